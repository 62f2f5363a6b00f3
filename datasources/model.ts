/**
 * The unified domain model and the provider ports. Everything above `datasources/` speaks only
 * these types; each provider folder maps its own JSON into them. Nothing here knows GraphQL.
 */

/** Money in minor units, exactly as a provider counts it; formatting to decimals happens at the edge. */
export interface MoneyValue {
  /** Integer minor units (cents; yen for zero-decimal currencies). */
  minor: bigint;
  /** ISO 4217, upper case. */
  currency: string;
}

export type Domain = 'CRM' | 'PAYMENTS' | 'ANALYTICS';

export interface ProviderRef {
  domain: Domain;
  provider: string;
  externalId: string;
  url: string | null;
}

/** A cursor-paged slice of a provider list, with the provider's own cursors kept opaque. */
export interface Page<T> {
  items: T[];
  /** Provider cursor to fetch the following page, or null at the end. */
  nextCursor: string | null;
  /** Provider cursor to fetch the preceding page (providers that page backwards), or null. */
  previousCursor: string | null;
  /** Per-item provider cursors, for Relay edges. */
  cursors: string[];
  totalCount: number | null;
}

/**
 * A provider list that cannot page the way asked (e.g. backwards through a search): the caller
 * answers with a clear client error instead of a wrong page.
 */
export class UnsupportedPagingError extends Error {
  readonly code = 'UNSUPPORTED_PAGING';
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedPagingError';
  }
}

export interface PageRequest {
  limit: number;
  /** Provider cursor to continue after (forward). */
  after?: string | null;
  /** Provider cursor to continue before (backward); only for providers that support it. */
  before?: string | null;
  /**
   * The caller shows how many items the whole list has (a client selected `totalCount`): a list
   * whose page does not carry its total makes the counting call too. Unset, no call is made only
   * to count (the dashboard's lists cost their one call). Lists that count for free answer anyway.
   */
  total?: boolean;
}

// ---- CRM -------------------------------------------------------------------------------------

export interface Contact {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  jobTitle: string | null;
  lifecycleStage: string | null;
  companyId: string | null;
  createdAt: Date;
  updatedAt: Date | null;
  ref: ProviderRef;
}

export interface Company {
  id: string;
  name: string | null;
  domain: string | null;
  industry: string | null;
  city: string | null;
  country: string | null;
  employeeCount: number | null;
  createdAt: Date;
  ref: ProviderRef;
}

export type DealStatus = 'OPEN' | 'WON' | 'LOST';

export interface Deal {
  id: string;
  name: string | null;
  amount: MoneyValue | null;
  status: DealStatus;
  stage: string;
  closeDate: Date | null;
  createdAt: Date;
  /** Who the deal is with, when the provider sent it along; null means ask `dealParties`. */
  parties: DealParties | null;
  ref: ProviderRef;
}

export interface DealParties {
  contactId: string | null;
  companyId: string | null;
}

export interface DealFilter {
  status?: DealStatus;
  /** Deals associated with this company. */
  companyId?: string;
}

export interface ContactFilter {
  email?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  companyId?: string;
}

/** What Concord needs from a CRM. Batch methods answer in the order asked, null for unknown ids. */
export interface CrmProvider extends CrmWriter {
  readonly name: string;
  /**
   * Live mode, once at start: makes sure the account has what this provider's writes rely on
   * (HubSpot: the contact property that carries write keys), creating it when allowed. Answers a
   * problem in words an operator acts on (for /readyz), or null; throws when it could not tell.
   */
  prepareWrites?(): Promise<string | null>;
  getContacts(ids: readonly string[]): Promise<Array<Contact | null>>;
  getContactsByEmail(emails: readonly string[]): Promise<Array<Contact | null>>;
  listContacts(page: PageRequest, filter?: ContactFilter): Promise<Page<Contact>>;
  getCompanies(ids: readonly string[]): Promise<Array<Company | null>>;
  listCompanies(page: PageRequest): Promise<Page<Company>>;
  getDeals(ids: readonly string[]): Promise<Array<Deal | null>>;
  listDeals(page: PageRequest, filter: DealFilter): Promise<Page<Deal>>;
  /** Contact and company of each deal, in the order asked (a separate call: most views never need it). */
  dealParties(dealIds: readonly string[]): Promise<DealParties[]>;
  /** Deal ids per contact id, in the order asked. */
  dealIdsOfContacts(contactIds: readonly string[]): Promise<string[][]>;
  /** Contacts created per bucket, for the metrics series. */
  countContactsCreated(since: Date, until: Date, bucketStarts: readonly Date[]): Promise<number[]>;
  /**
   * The human label of each deal stage the CRM names by an id (`Deal.stage`), across its pipelines;
   * empty when the CRM's stage is its label already.
   */
  dealStageLabels(): Promise<DealStageLabel[]>;
}

/** A deal stage's id (what `Deal.stage` holds) and the label people see, e.g. `Contract Sent`. */
export interface DealStageLabel {
  id: string;
  label: string;
}

// ---- Payments --------------------------------------------------------------------------------

export type PaymentStatus = 'SUCCEEDED' | 'PENDING' | 'FAILED' | 'REFUNDED' | 'PARTIALLY_REFUNDED';

export interface PaymentCard {
  brand: string | null;
  last4: string | null;
  expiryMonth: number | null;
  expiryYear: number | null;
  country: string | null;
}

export interface PaymentAccount {
  id: string;
  /** The CRM contact this payment account belongs to (the link DESIGN.md describes). */
  contactId: string | null;
  currency: string | null;
  createdAt: Date;
  ref: ProviderRef;
}

export interface Payment {
  id: string;
  accountId: string | null;
  amount: MoneyValue;
  amountRefunded: MoneyValue;
  status: PaymentStatus;
  providerStatus: string;
  description: string | null;
  failureReason: string | null;
  createdAt: Date;
  card: PaymentCard | null;
  ref: ProviderRef;
}

export type InvoiceStatus = 'DRAFT' | 'OPEN' | 'PAID' | 'UNCOLLECTIBLE' | 'VOID';

export interface Invoice {
  id: string;
  accountId: string | null;
  subscriptionId: string | null;
  number: string | null;
  status: InvoiceStatus;
  providerStatus: string;
  amountDue: MoneyValue;
  amountPaid: MoneyValue;
  periodStart: Date | null;
  periodEnd: Date | null;
  dueDate: Date | null;
  createdAt: Date;
  ref: ProviderRef;
}

export type SubscriptionStatus =
  'ACTIVE' | 'TRIALING' | 'PAST_DUE' | 'CANCELED' | 'UNPAID' | 'INCOMPLETE' | 'PAUSED';
export type Interval = 'HOUR' | 'DAY' | 'WEEK' | 'MONTH';

export interface Subscription {
  id: string;
  accountId: string | null;
  status: SubscriptionStatus;
  providerStatus: string;
  planName: string | null;
  quantity: number;
  amount: MoneyValue | null;
  interval: Interval | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  canceledAt: Date | null;
  createdAt: Date;
  ref: ProviderRef;
}

/** An account's payments as a customer card reads them (see payment-summary.ts). */
export interface PaymentSummary {
  /** The newest payments, newest first. */
  recent: Payment[];
  /** Payments in all; `recent` is the whole history when it holds this many. */
  count: number;
  /** Settled minus refunded, per currency that has a settled payment. */
  paid: MoneyValue[];
  /**
   * The whole history, newest first, when the provider had to read it to make the summary (it keeps
   * no totals): the cache stores it as the account's history, so paging further needs no second
   * read, and never keeps it inside the (small) summary entry.
   */
  history?: Payment[];
}

/** What Concord needs from a payments provider. */
export interface PaymentsProvider extends PaymentsWriter {
  readonly name: string;
  /** Payment accounts by their own id, in the order asked (null for unknown ids). */
  getAccounts(ids: readonly string[]): Promise<Array<PaymentAccount | null>>;
  /** Payment accounts per CRM contact id, in the order asked. */
  accountsOfContacts(contactIds: readonly string[]): Promise<Array<PaymentAccount | null>>;
  getPayments(ids: readonly string[]): Promise<Array<Payment | null>>;
  listPayments(
    page: PageRequest,
    filter: { accountId?: string; status?: PaymentStatus },
  ): Promise<Page<Payment>>;
  /** Every payment of each account, newest first, in the order asked (recent payments and lifetime value derive from it). */
  paymentsOfAccounts(accountIds: readonly string[]): Promise<Payment[][]>;
  /** Each account's summary, in the order asked: what a customer card needs without the whole history. */
  paymentSummaries(accountIds: readonly string[]): Promise<PaymentSummary[]>;
  getInvoices(ids: readonly string[]): Promise<Array<Invoice | null>>;
  listInvoices(page: PageRequest, filter: { accountId?: string }): Promise<Page<Invoice>>;
  getSubscriptions(ids: readonly string[]): Promise<Array<Subscription | null>>;
  subscriptionsOfAccounts(accountIds: readonly string[]): Promise<Subscription[][]>;
  /** Succeeded revenue per bucket and currency. */
  revenueByBucket(since: Date, until: Date, bucketStarts: readonly Date[]): Promise<MoneyValue[][]>;
}

// ---- Analytics -------------------------------------------------------------------------------

export interface AnalyticsEvent {
  id: string;
  name: string;
  occurredAt: Date;
  /** The CRM contact id the event's person is linked to. */
  contactId: string;
  url: string | null;
  properties: Record<string, unknown>;
}

export interface ActivitySummary {
  contactId: string;
  since: Date;
  until: Date;
  eventCount: number;
  activeDays: number;
  lastSeenAt: Date | null;
  topEvents: Array<{ name: string; count: number }>;
}

/** What Concord needs from an analytics provider. */
export interface AnalyticsProvider extends AnalyticsWriter {
  readonly name: string;
  /** Events by id, in the order asked (null for unknown ids). */
  getEvents(ids: readonly string[]): Promise<Array<AnalyticsEvent | null>>;
  /** One summary per contact id, in the order asked (zero counts for people without events). */
  activityOfContacts(contactIds: readonly string[], since: Date, until: Date): Promise<ActivitySummary[]>;
  listEvents(page: PageRequest, filter: { contactId: string; name?: string }): Promise<Page<AnalyticsEvent>>;
  /** Distinct active people per bucket. */
  activeUsersByBucket(
    since: Date,
    until: Date,
    interval: Interval,
  ): Promise<Array<{ start: Date; count: number }>>;
}

// ---- writes ----------------------------------------------------------------------------------

/**
 * Every provider write carries a key made from the client's `clientMutationId` (or by Concord).
 * Providers that take one send it (Stripe `Idempotency-Key`); the others derive stable ids from it
 * (PostHog's event uuid), so a retried write never happens twice upstream.
 */
export interface WriteOptions {
  idempotencyKey: string;
}

/** Why a provider refused a write for a reason the client can fix (not an outage). */
export type WriteRejection =
  'NOT_FOUND' | 'CONFLICT' | 'INVALID' | 'AMOUNT_TOO_LARGE' | 'ALREADY_REFUNDED' | 'NOT_REFUNDABLE';

/** A write refused for a client-fixable reason; the gateway answers it as a userError. */
export class WriteRejectedError extends Error {
  readonly code = 'WRITE_REJECTED';
  constructor(
    readonly reason: WriteRejection,
    message: string,
    /** The input field at fault, in the model's words (`email`, `amount`, `stage`), when one is. */
    readonly field: string | null = null,
    /** CONFLICT: the id of the record that already holds the value. */
    readonly existingId: string | null = null,
  ) {
    super(message);
    this.name = 'WriteRejectedError';
  }
}

/** Contact fields to write: undefined leaves a field as it is, null clears it. */
export interface ContactChanges {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  jobTitle?: string | null;
}

export interface AccountInput {
  /** The CRM contact the new payment account is linked to. */
  contactId: string;
  email: string | null;
  name: string | null;
}

export type RefundReason = 'DUPLICATE' | 'FRAUDULENT' | 'REQUESTED_BY_CUSTOMER';

export interface RefundInput {
  paymentId: string;
  /** Minor units in the payment's currency; null refunds all that is left. */
  amount: bigint | null;
  reason: RefundReason | null;
}

export interface CaptureInput {
  /** The CRM contact the event is about (its analytics distinct id). */
  contactId: string;
  name: string;
  properties: Record<string, unknown>;
  /** When it happened; null means now. */
  occurredAt: Date | null;
}

/** CRM writes. Each returns the record as the provider holds it after the write. */
export interface CrmWriter {
  createContact(input: ContactChanges, options: WriteOptions): Promise<Contact>;
  /**
   * The contact an earlier `createContact(input, options)` made, if it made one: for a run that
   * stopped before it learned the answer. Found by the write's key where the CRM keeps it (HubSpot's
   * write-key property), else by the input's email among contacts created since `since` (when the
   * run began). Null: none was made. Throws when the CRM cannot tell now.
   */
  findCreatedContact(input: ContactChanges, options: WriteOptions & { since: Date }): Promise<Contact | null>;
  updateContact(id: string, changes: ContactChanges, options: WriteOptions): Promise<Contact>;
  /** Removes a contact (undoing a half-made customer); one already gone is not an error. */
  deleteContact(id: string, options: WriteOptions): Promise<void>;
  updateDealStage(id: string, stage: string, options: WriteOptions): Promise<Deal>;
}

/** Payments writes. */
export interface PaymentsWriter {
  createAccount(input: AccountInput, options: WriteOptions): Promise<PaymentAccount>;
  updateAccount(
    id: string,
    changes: { email?: string | null; name?: string | null },
    options: WriteOptions,
  ): Promise<PaymentAccount>;
  /** Refunds all or part of a payment; answers the payment as it stands after the refund. */
  refundPayment(input: RefundInput, options: WriteOptions): Promise<Payment>;
}

/** Analytics writes. */
export interface AnalyticsWriter {
  /** Sends one event; answers its id. Accepted events reach queries after the provider ingests them. */
  captureEvent(input: CaptureInput, options: WriteOptions): Promise<{ id: string }>;
}
