import type { Scope } from './scopes.js';
import {
  requireScopes,
  requireScopesWhenArguments,
  signedIn,
  type FieldRule,
  type RuleTree,
} from './rules.js';

/**
 * Who may read what: every field of every object type, by name. There is no wildcard on purpose:
 * a field added to the schema is denied to everyone until it is given a rule here, so a new PII
 * field cannot slip out under its type's ordinary scope.
 */
const crm = requireScopes('crm:read');
const crmPii = requireScopes('crm:read', 'pii:read');
const payments = requireScopes('payments:read');
const paymentsPii = requireScopes('payments:read', 'pii:read');
const analytics = requireScopes('analytics:read');
const analyticsPii = requireScopes('analytics:read', 'pii:read');
// A customer is a CRM contact and a payment account: writing one writes both.
const customerWrite = requireScopes('crm:write', 'payments:write');
const crmWrite = requireScopes('crm:write');
const paymentsWrite = requireScopes('payments:write');
const analyticsWrite = requireScopes('analytics:write');

/**
 * Arguments that hold personal data, by field (dotted paths into input objects). Filtering or
 * looking up by one tells whether that person is a customer, as reading the field would: it needs
 * `pii:read` besides the field's own scope.
 */
export const PII_ARGUMENTS: Readonly<Record<string, readonly string[]>> = {
  'Query.customer': ['email'],
  'Query.customers': ['filter.email'],
};

function piiLookup(field: string, ...scopes: Scope[]): FieldRule {
  return requireScopesWhenArguments(scopes, { paths: PII_ARGUMENTS[field] ?? [], extra: ['pii:read'] });
}

function each(rule: FieldRule, fields: string): Record<string, FieldRule> {
  return Object.fromEntries(
    fields
      .split(/\s+/)
      .filter(Boolean)
      .map((field) => [field, rule]),
  );
}

const connection = 'edges pageInfo totalCount';
const edge = 'cursor node';

export const permissions: RuleTree = {
  Query: {
    // Lookups by id and provider health: the objects they return carry their own rules.
    ...each(signedIn, 'node nodes providers metrics'),
    customer: piiLookup('Query.customer', 'crm:read'),
    customers: piiLookup('Query.customers', 'crm:read'),
    ...each(crm, 'companies deals'),
    ...each(payments, 'payments invoices'),
  },
  Mutation: {
    ...each(customerWrite, 'createCustomer updateCustomer'),
    updateDealStage: crmWrite,
    refundPayment: paymentsWrite,
    trackEvent: analyticsWrite,
  },
  // What a payload returns is read: the reading scope, as for the same record from a query.
  CreateCustomerPayload: { ...each(signedIn, 'clientMutationId userErrors'), customer: crm },
  UpdateCustomerPayload: { ...each(signedIn, 'clientMutationId userErrors'), customer: crm },
  UpdateDealStagePayload: { ...each(signedIn, 'clientMutationId userErrors'), deal: crm },
  RefundPaymentPayload: { ...each(signedIn, 'clientMutationId userErrors'), payment: payments },
  TrackEventPayload: each(signedIn, 'clientMutationId userErrors eventId'),
  UserError: each(signedIn, 'code message field'),
  // Hearing of a change needs the scope that reads the record; its fields keep their own rules.
  Subscription: { customerUpdated: crm, paymentUpdated: payments },
  Customer: {
    ...each(crm, 'id name jobTitle lifecycleStage createdAt updatedAt company deals links'),
    ...each(crmPii, 'email phone'),
    ...each(payments, 'payments invoices subscriptions lifetimeValue'),
    ...each(analytics, 'activity events'),
  },
  CustomerConnection: each(crm, connection),
  CustomerEdge: each(crm, edge),
  Company: each(crm, 'id name domain industry city country employeeCount createdAt customers deals links'),
  CompanyConnection: each(crm, connection),
  CompanyEdge: each(crm, edge),
  Deal: each(crm, 'id name amount status stage stageLabel closeDate createdAt customer company links'),
  DealConnection: each(crm, connection),
  DealEdge: each(crm, edge),
  Payment: {
    ...each(
      payments,
      'id amount amountRefunded status providerStatus description failureReason createdAt customer links',
    ),
    // The card is personal data.
    paymentMethod: paymentsPii,
  },
  PaymentMethodDetails: each(paymentsPii, 'brand last4 expiryMonth expiryYear country'),
  PaymentConnection: each(payments, connection),
  PaymentEdge: each(payments, edge),
  Invoice: each(
    payments,
    'id number status providerStatus amountDue amountPaid periodStart periodEnd dueDate createdAt customer subscription links',
  ),
  InvoiceConnection: each(payments, 'edges pageInfo'),
  InvoiceEdge: each(payments, edge),
  BillingSubscription: each(
    payments,
    'id status providerStatus planName quantity amount interval currentPeriodStart currentPeriodEnd canceledAt createdAt customer links',
  ),
  AnalyticsEvent: {
    ...each(analytics, 'id name occurredAt url customer'),
    // Event properties are free-form: trackers put emails and names in them.
    properties: analyticsPii,
  },
  AnalyticsEventConnection: each(analytics, 'edges pageInfo'),
  AnalyticsEventEdge: each(analytics, edge),
  ActivitySummary: each(analytics, 'since until eventCount activeDays lastSeenAt topEvents'),
  EventCount: each(analytics, 'name count'),
  MetricsSeries: each(signedIn, 'since until interval buckets'),
  MetricsBucket: {
    ...each(signedIn, 'start end'),
    revenue: payments,
    activeUsers: analytics,
    newCustomers: crm,
  },
  // Shapes shared by every domain: whoever may read the field that holds them may read them.
  PageInfo: each(signedIn, 'hasNextPage hasPreviousPage startCursor endCursor'),
  Money: each(signedIn, 'amount currency formatted'),
  ProviderLink: each(signedIn, 'domain provider externalId url'),
  ProviderStatus: each(signedIn, 'domain name mode circuit errorRate latencyP50Ms latencyP95Ms'),
};
