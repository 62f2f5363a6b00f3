import { createHash } from 'node:crypto';
import type {
  ChargeRecord,
  Currency,
  Dataset,
  InvoiceRecord,
  PriceRecord,
  SubscriptionRecord,
} from '../data/dataset.js';
import { base62 } from '../data/random.js';
import { Collection } from './collection.js';

export type Metadata = Record<string, string>;

/** A customer as it stands now: seeded from the dataset, then changed by POSTs. */
export interface CustomerState {
  id: string;
  created: number;
  name: string | null;
  email: string | null;
  phone: string | null;
  description: string | null;
  metadata: Metadata;
  currency: Currency | null;
  invoicePrefix: string;
  nextInvoiceSequence: number;
  delinquent: boolean;
}

/** Who paid, as copied onto the charge's billing details when it was made. */
export interface BillingContact {
  name: string | null;
  email: string | null;
  phone: string | null;
}

export interface ChargeState {
  id: string;
  created: number;
  customerId: string;
  record: ChargeRecord;
  billing: BillingContact;
  /** Grows when refunds are created; starts at the dataset's value. */
  amountRefunded: number;
}

export interface RefundState {
  id: string;
  created: number;
  chargeId: string;
  amount: number;
  currency: Currency;
  reason: string | null;
  metadata: Metadata;
  customerId: string;
  paymentIntentId: string;
  paymentMethodId: string;
}

export interface PriceState {
  id: string;
  created: number;
  record: PriceRecord;
}

export interface SubscriptionState {
  id: string;
  created: number;
  customerId: string;
  record: SubscriptionRecord;
  price: PriceState;
  latestInvoiceId: string | null;
}

export interface InvoiceState {
  id: string;
  created: number;
  customerId: string;
  subscriptionId: string;
  record: InvoiceRecord;
  subscriptionItemId: string;
  /** The invoice that opened its subscription (billing_reason subscription_create). */
  firstOfSubscription: boolean;
  price: PriceState;
  quantity: number;
  billing: BillingContact;
}

export interface StripeStore {
  anchorSeconds: number;
  customers: Collection<CustomerState>;
  charges: Collection<ChargeState>;
  refunds: Collection<RefundState>;
  prices: Collection<PriceState>;
  subscriptions: Collection<SubscriptionState>;
  invoices: Collection<InvoiceState>;
  /** Makes the id and creation time of an object created through the API. */
  mint(prefix: string): { id: string; created: number };
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** A charge's card is a PaymentMethod whose id shares the charge's suffix. */
export function paymentMethodIdOf(chargeId: string): string {
  return `pm_${chargeId.slice('ch_'.length)}`;
}

/** Builds every index once, when the simulator starts. */
export function buildStore(dataset: Dataset): StripeStore {
  const customerStates: CustomerState[] = dataset.customers.map((c) => {
    const contact = dataset.contacts[c.contact];
    return {
      id: c.stripeId,
      created: seconds(c.createdAt),
      name: contact ? `${contact.firstName} ${contact.lastName}` : null,
      email: contact?.email ?? null,
      phone: contact?.phone ?? null,
      description: null,
      metadata: contact ? { crm_contact_id: contact.crmId } : ({} as Metadata),
      currency: c.currency,
      invoicePrefix: c.invoicePrefix,
      nextInvoiceSequence: 1,
      delinquent: false,
    };
  });
  const customerIdAt = (index: number): string => customerStates[index]?.id ?? '';
  const billingOf = (index: number): BillingContact => {
    const c = customerStates[index];
    return { name: c?.name ?? null, email: c?.email ?? null, phone: c?.phone ?? null };
  };

  const priceStates: PriceState[] = dataset.prices.map((p) => ({
    id: p.stripeId,
    created: seconds(p.createdAt),
    record: p,
  }));
  const chargeStates: ChargeState[] = dataset.charges.map((record) => ({
    id: record.stripeId,
    created: seconds(record.createdAt),
    customerId: customerIdAt(record.customer),
    record,
    billing: billingOf(record.customer),
    amountRefunded: record.amountRefunded,
  }));
  const refundStates: RefundState[] = dataset.refunds.map((r) => {
    const charge = dataset.charges[r.charge];
    return {
      id: r.stripeId,
      created: seconds(r.createdAt),
      chargeId: charge?.stripeId ?? '',
      amount: r.amount,
      currency: charge?.currency ?? 'usd',
      reason: r.reason,
      metadata: {},
      customerId: charge ? customerIdAt(charge.customer) : '',
      paymentIntentId: charge?.paymentIntentId ?? '',
      paymentMethodId: paymentMethodIdOf(charge?.stripeId ?? ''),
    };
  });
  const subscriptionStates: SubscriptionState[] = dataset.subscriptions.map((record) => ({
    id: record.stripeId,
    created: seconds(record.createdAt),
    customerId: customerIdAt(record.customer),
    record,
    price: priceStates[record.price] as PriceState,
    latestInvoiceId: null,
  }));
  const invoiceStates: InvoiceState[] = dataset.invoices.map((record) => {
    const subscription = subscriptionStates[record.subscription] as SubscriptionState;
    // Invoices are generated oldest first per subscription, so the last one seen is the latest.
    subscription.latestInvoiceId = record.stripeId;
    const customer = customerStates[record.customer];
    if (customer) customer.nextInvoiceSequence += 1;
    return {
      id: record.stripeId,
      created: seconds(record.createdAt),
      customerId: customerIdAt(record.customer),
      subscriptionId: subscription.id,
      subscriptionItemId: subscription.record.itemId,
      firstOfSubscription: record.periodStart === subscription.record.createdAt,
      record,
      price: subscription.price,
      quantity: subscription.record.quantity,
      billing: billingOf(record.customer),
    };
  });
  for (const sub of subscriptionStates) {
    if (sub.record.status === 'past_due') {
      const customer = customerStates[sub.record.customer];
      if (customer) customer.delinquent = true;
    }
  }

  const anchorSeconds = seconds(dataset.anchor);
  // Ids of created objects carry a seed-derived infix so they never collide with seeded ids.
  const infix = base62(
    createHash('sha256').update(`stripe:${dataset.seed}`).digest().readUInt32BE(0),
    6,
  ).slice(0, 6);
  let minted = 0;
  return {
    anchorSeconds,
    customers: new Collection(customerStates),
    charges: new Collection(chargeStates, (c) => c.customerId),
    refunds: new Collection(refundStates, (r) => r.chargeId),
    prices: new Collection(priceStates),
    subscriptions: new Collection(subscriptionStates, (s) => s.customerId),
    invoices: new Collection(invoiceStates, (i) => i.customerId),
    mint(prefix) {
      minted += 1;
      return { id: `${prefix}_Sbx${infix}${base62(minted, 5)}`, created: anchorSeconds + minted };
    },
  };
}
