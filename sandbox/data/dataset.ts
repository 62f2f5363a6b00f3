/**
 * The sandbox's one source of truth: a provider-neutral data set from which each simulated provider
 * renders its own JSON. Every cross-provider link the gateway relies on is explicit here.
 * Times are epoch milliseconds; money is integer minor units with a lowercase ISO 4217 currency.
 */

export interface DatasetSizes {
  contacts: number;
  companies: number;
  deals: number;
  charges: number;
  events: number;
}

export type Currency = 'usd' | 'eur' | 'gbp' | 'jpy';

export interface CompanyRecord {
  crmId: string;
  name: string;
  domain: string;
  industry: string;
  city: string;
  country: string;
  phone: string;
  employees: number;
  createdAt: number;
  updatedAt: number;
}

export interface ContactRecord {
  crmId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  jobTitle: string;
  lifecycleStage: string;
  /** Index into `companies`, or -1 for a contact without a company. */
  company: number;
  createdAt: number;
  updatedAt: number;
}

export type DealStage =
  | 'appointmentscheduled'
  | 'qualifiedtobuy'
  | 'presentationscheduled'
  | 'decisionmakerboughtin'
  | 'contractsent'
  | 'closedwon'
  | 'closedlost';

export interface DealRecord {
  crmId: string;
  name: string;
  amountMinor: number;
  currency: Currency;
  stage: DealStage;
  closeDate: number;
  /** Index into `contacts`. */
  contact: number;
  /** Index into `companies`, or -1. */
  company: number;
  createdAt: number;
  updatedAt: number;
}

export interface CustomerRecord {
  stripeId: string;
  /** Index into `contacts`: carried to Stripe as `metadata.crm_contact_id`. */
  contact: number;
  currency: Currency;
  invoicePrefix: string;
  createdAt: number;
}

export type ChargeStatus = 'succeeded' | 'failed' | 'pending';

export interface CardRecord {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  country: string;
  funding: string;
  fingerprint: string;
}

export interface ChargeRecord {
  stripeId: string;
  paymentIntentId: string;
  balanceTransactionId: string;
  /** Index into `customers`. */
  customer: number;
  amount: number;
  currency: Currency;
  status: ChargeStatus;
  amountRefunded: number;
  failureCode: string | null;
  description: string;
  card: CardRecord;
  createdAt: number;
}

export interface RefundRecord {
  stripeId: string;
  /** Index into `charges`. */
  charge: number;
  amount: number;
  reason: 'requested_by_customer' | 'duplicate' | 'fraudulent' | null;
  createdAt: number;
}

export interface PriceRecord {
  stripeId: string;
  productId: string;
  productName: string;
  nickname: string;
  unitAmount: number;
  currency: Currency;
  interval: 'month';
  createdAt: number;
}

export type SubscriptionStatus = 'active' | 'trialing' | 'past_due' | 'canceled';

export interface SubscriptionRecord {
  stripeId: string;
  itemId: string;
  /** Index into `customers`. */
  customer: number;
  /** Index into `prices`. */
  price: number;
  quantity: number;
  status: SubscriptionStatus;
  createdAt: number;
  currentPeriodStart: number;
  currentPeriodEnd: number;
  canceledAt: number | null;
}

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export interface InvoiceRecord {
  stripeId: string;
  lineId: string;
  number: string;
  /** Index into `customers`. */
  customer: number;
  /** Index into `subscriptions`. */
  subscription: number;
  status: InvoiceStatus;
  amountDue: number;
  amountPaid: number;
  currency: Currency;
  periodStart: number;
  periodEnd: number;
  createdAt: number;
  dueDate: number | null;
}

export interface PersonRecord {
  /** PostHog's integer person id. */
  id: number;
  uuid: string;
  /** Index into `contacts`: the person's distinct_id is that contact's CRM id. */
  contact: number;
  createdAt: number;
}

/**
 * Events are columnar: at bench size there are two million of them. Rows are sorted by timestamp
 * (ties by row number), and `byPerson` lists each person's rows in the same order (CSR layout:
 * rows of person p are byPerson[personStart[p] .. personStart[p+1]-1]).
 */
export interface EventTable {
  count: number;
  timestamp: Float64Array;
  person: Int32Array;
  name: Uint8Array;
  url: Uint8Array;
  browser: Uint8Array;
  /** Cents for `purchase` events, 0 otherwise. */
  value: Int32Array;
  /** Random bits per row for the event's uuid. */
  entropy: Uint32Array;
  personStart: Int32Array;
  byPerson: Int32Array;
  names: readonly string[];
  urls: readonly string[];
  browsers: readonly string[];
}

export interface Dataset {
  seed: number;
  /** The newest instant in the data; everything happened at or before it. */
  anchor: number;
  sizes: DatasetSizes;
  companies: CompanyRecord[];
  contacts: ContactRecord[];
  deals: DealRecord[];
  customers: CustomerRecord[];
  charges: ChargeRecord[];
  refunds: RefundRecord[];
  prices: PriceRecord[];
  subscriptions: SubscriptionRecord[];
  invoices: InvoiceRecord[];
  persons: PersonRecord[];
  events: EventTable;
}
