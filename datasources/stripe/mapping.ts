import type {
  AccountInput,
  Interval,
  Invoice,
  InvoiceStatus,
  MoneyValue,
  Payment,
  PaymentAccount,
  PaymentCard,
  PaymentStatus,
  ProviderRef,
  RefundInput,
  RefundReason,
  Subscription,
  SubscriptionStatus,
} from '../model.js';
import type { QueryValue } from '../transport/http-client.js';
import type {
  StripeCharge,
  StripeCustomer,
  StripeInvoice,
  StripeSubscription,
  StripeSubscriptionItem,
} from './client.js';

/** Pure functions from Stripe's JSON (as the client's schemas parse it) to the domain model. */

export const PROVIDER = 'stripe';
const DASHBOARD = 'https://dashboard.stripe.com';
/** The metadata key that links a Stripe customer to its CRM contact (DESIGN.md). */
export const CRM_CONTACT_KEY = 'crm_contact_id';

/** What the JSON alone does not say: whether the key is live, for objects without `livemode`. */
export interface MappingContext {
  livemode: boolean;
}

type DashboardSection = 'customers' | 'payments' | 'invoices' | 'subscriptions';

export function dashboardUrl(section: DashboardSection, id: string, livemode: boolean): string {
  return `${DASHBOARD}/${livemode ? '' : 'test/'}${section}/${encodeURIComponent(id)}`;
}

function ref(
  section: DashboardSection,
  object: { id: string; livemode?: boolean | undefined },
  ctx: MappingContext,
): ProviderRef {
  return {
    domain: 'PAYMENTS',
    provider: PROVIDER,
    externalId: object.id,
    url: dashboardUrl(section, object.id, object.livemode ?? ctx.livemode),
  };
}

export const fromUnix = (seconds: number): Date => new Date(seconds * 1000);
const fromUnixOrNull = (seconds: number | null | undefined): Date | null =>
  seconds === null || seconds === undefined ? null : fromUnix(seconds);

export function money(minor: number, currency: string): MoneyValue {
  return { minor: BigInt(minor), currency: currency.toUpperCase() };
}

export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}

// ---- charges -----------------------------------------------------------------------------------

/**
 * Stripe keeps refunds out of `status` (a refunded charge stays `succeeded`), so the refund state
 * comes from `amount_refunded`. Unknown labels read as PENDING: not money moved, and
 * `providerStatus` still shows the label.
 */
export function paymentStatus(
  charge: Pick<StripeCharge, 'status' | 'amount' | 'amount_refunded'>,
): PaymentStatus {
  switch (charge.status) {
    case 'succeeded':
      if (charge.amount > 0 && charge.amount_refunded >= charge.amount) return 'REFUNDED';
      if (charge.amount_refunded > 0) return 'PARTIALLY_REFUNDED';
      return 'SUCCEEDED';
    case 'failed':
      return 'FAILED';
    default:
      return 'PENDING';
  }
}

export function paymentCard(charge: StripeCharge): PaymentCard | null {
  const card = charge.payment_method_details?.card;
  if (!card) return null;
  return {
    brand: card.brand ?? null,
    last4: card.last4 ?? null,
    expiryMonth: card.exp_month ?? null,
    expiryYear: card.exp_year ?? null,
    country: card.country ?? null,
  };
}

export function chargeToPayment(charge: StripeCharge, ctx: MappingContext): Payment {
  return {
    id: charge.id,
    accountId: idOf(charge.customer),
    amount: money(charge.amount, charge.currency),
    amountRefunded: money(charge.amount_refunded, charge.currency),
    status: paymentStatus(charge),
    providerStatus: charge.status,
    description: charge.description,
    // The message is what a person reads; the code is the fallback when Stripe sends no message.
    failureReason: charge.failure_message ?? charge.failure_code ?? null,
    createdAt: fromUnix(charge.created),
    card: paymentCard(charge),
    ref: ref('payments', charge, ctx),
  };
}

/**
 * What a charge brought in: the captured amount of a succeeded charge (an uncaptured
 * authorization has moved no money). Refunds are left out: they happen later, in their own bucket.
 */
export function capturedRevenue(charge: StripeCharge): MoneyValue | null {
  if (charge.status !== 'succeeded') return null;
  const captured = charge.amount_captured ?? charge.amount;
  return captured > 0 ? money(captured, charge.currency) : null;
}

// ---- customers ---------------------------------------------------------------------------------

export function contactIdOf(customer: StripeCustomer): string | null {
  const value = customer.metadata?.[CRM_CONTACT_KEY];
  return value === undefined || value === '' ? null : value;
}

export function customerToAccount(customer: StripeCustomer, ctx: MappingContext): PaymentAccount {
  return {
    id: customer.id,
    contactId: contactIdOf(customer),
    currency: customer.currency ? customer.currency.toUpperCase() : null,
    createdAt: fromUnix(customer.created),
    ref: ref('customers', customer, ctx),
  };
}

/** Stripe's list order: newest first, ties by id. */
export function newestFirst(a: { created: number; id: string }, b: { created: number; id: string }): number {
  if (a.created !== b.created) return b.created - a.created;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The account a contact is linked to when several customers carry its id: the oldest one. */
export function oldestCustomer<T extends { created: number; id: string }>(customers: readonly T[]): T | null {
  let oldest: T | null = null;
  for (const c of customers) if (oldest === null || newestFirst(c, oldest) > 0) oldest = c;
  return oldest;
}

// ---- invoices ----------------------------------------------------------------------------------

const INVOICE_STATUSES: Readonly<Record<string, InvoiceStatus>> = {
  draft: 'DRAFT',
  open: 'OPEN',
  paid: 'PAID',
  uncollectible: 'UNCOLLECTIBLE',
  void: 'VOID',
};

/** Unknown (or null, for deleted drafts) labels read as OPEN: still owed, as far as we know. */
export function invoiceStatus(status: string | null): InvoiceStatus {
  return (status !== null && INVOICE_STATUSES[status]) || 'OPEN';
}

export function invoiceSubscriptionId(invoice: StripeInvoice): string | null {
  return idOf(invoice.parent?.subscription_details?.subscription) ?? idOf(invoice.subscription);
}

export function invoiceToModel(invoice: StripeInvoice, ctx: MappingContext): Invoice {
  return {
    id: invoice.id,
    accountId: idOf(invoice.customer),
    subscriptionId: invoiceSubscriptionId(invoice),
    number: invoice.number,
    status: invoiceStatus(invoice.status),
    providerStatus: invoice.status ?? '',
    amountDue: money(invoice.amount_due, invoice.currency),
    amountPaid: money(invoice.amount_paid, invoice.currency),
    periodStart: fromUnixOrNull(invoice.period_start),
    periodEnd: fromUnixOrNull(invoice.period_end),
    dueDate: fromUnixOrNull(invoice.due_date),
    createdAt: fromUnix(invoice.created),
    ref: ref('invoices', invoice, ctx),
  };
}

// ---- subscriptions -----------------------------------------------------------------------------

const SUBSCRIPTION_STATUSES: Readonly<Record<string, SubscriptionStatus>> = {
  active: 'ACTIVE',
  trialing: 'TRIALING',
  past_due: 'PAST_DUE',
  canceled: 'CANCELED',
  unpaid: 'UNPAID',
  incomplete: 'INCOMPLETE',
  // Expired before the first payment: over, never active.
  incomplete_expired: 'CANCELED',
  paused: 'PAUSED',
};

/** Unknown labels read as INCOMPLETE: not billing, as far as we know. */
export function subscriptionStatus(status: string): SubscriptionStatus {
  return SUBSCRIPTION_STATUSES[status] ?? 'INCOMPLETE';
}

const INTERVALS: Readonly<Record<string, Interval>> = { day: 'DAY', week: 'WEEK', month: 'MONTH' };

/** The model has no YEAR and no "every 3 months": those read as null rather than a wrong interval. */
export function billingInterval(item: StripeSubscriptionItem | undefined): Interval | null {
  const recurring = item?.price.recurring;
  if (!recurring || recurring.interval_count !== 1) return null;
  return INTERVALS[recurring.interval] ?? null;
}

/**
 * The price of one period for the whole subscription: unit amount × quantity over the items that
 * bill like the first one (same currency and interval). Null when any such item has no unit
 * amount (tiered or metered prices), since a partial sum would be wrong.
 */
export function periodAmount(items: readonly StripeSubscriptionItem[]): MoneyValue | null {
  const first = items[0];
  if (!first) return null;
  const { currency } = first.price;
  const sameBilling = items.filter(
    (item) =>
      item.price.currency === currency &&
      item.price.recurring?.interval === first.price.recurring?.interval &&
      item.price.recurring?.interval_count === first.price.recurring?.interval_count,
  );
  let total = 0n;
  for (const item of sameBilling) {
    if (item.price.unit_amount === null) return null;
    total += BigInt(item.price.unit_amount) * BigInt(item.quantity ?? 1);
  }
  return { minor: total, currency: currency.toUpperCase() };
}

export function subscriptionToModel(subscription: StripeSubscription, ctx: MappingContext): Subscription {
  const first = subscription.items.data[0];
  return {
    id: subscription.id,
    accountId: idOf(subscription.customer),
    status: subscriptionStatus(subscription.status),
    providerStatus: subscription.status,
    planName: first?.price.nickname ?? null,
    quantity: first?.quantity ?? 1,
    amount: periodAmount(subscription.items.data),
    interval: billingInterval(first),
    currentPeriodStart: fromUnixOrNull(first?.current_period_start ?? subscription.current_period_start),
    currentPeriodEnd: fromUnixOrNull(first?.current_period_end ?? subscription.current_period_end),
    canceledAt: fromUnixOrNull(subscription.canceled_at),
    createdAt: fromUnix(subscription.created),
    ref: ref('subscriptions', subscription, ctx),
  };
}

// ---- writes --------------------------------------------------------------------------------------

const REFUND_REASONS: Record<RefundReason, string> = {
  DUPLICATE: 'duplicate',
  FRAUDULENT: 'fraudulent',
  REQUESTED_BY_CUSTOMER: 'requested_by_customer',
};

/** `POST /v1/customers`: the contact link goes in metadata, where accountsOfContacts searches it. */
export function customerCreateParams(input: AccountInput): Record<string, QueryValue> {
  return {
    ...(input.email === null ? {} : { email: input.email }),
    ...(input.name === null ? {} : { name: input.name }),
    metadata: { [CRM_CONTACT_KEY]: input.contactId },
  };
}

/** Only the fields given; null becomes "", which is how Stripe clears a field. */
export function customerUpdateParams(changes: {
  email?: string | null;
  name?: string | null;
}): Record<string, QueryValue> {
  const params: Record<string, QueryValue> = {};
  if (changes.email !== undefined) params.email = changes.email ?? '';
  if (changes.name !== undefined) params.name = changes.name ?? '';
  return params;
}

/** `POST /v1/refunds`, with the charge expanded so the answer carries the payment after the refund. */
export function refundParams(input: RefundInput): Record<string, QueryValue> {
  return {
    charge: input.paymentId,
    ...(input.amount === null ? {} : { amount: input.amount.toString() }),
    ...(input.reason === null ? {} : { reason: REFUND_REASONS[input.reason] }),
    expand: ['charge'],
  };
}

/** Model names for the Stripe parameters Concord sends. */
const MODEL_FIELDS: Readonly<Record<string, string>> = {
  charge: 'paymentId',
  amount: 'amount',
  reason: 'reason',
  email: 'email',
  name: 'name',
  [`metadata[${CRM_CONTACT_KEY}]`]: 'contactId',
};

export function modelFieldOf(param: string | undefined): string | null {
  if (param === undefined) return null;
  return MODEL_FIELDS[param] ?? param;
}
