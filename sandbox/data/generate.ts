import { Faker, base, en } from '@faker-js/faker';
import type {
  ChargeRecord,
  CompanyRecord,
  ContactRecord,
  Currency,
  CustomerRecord,
  Dataset,
  DatasetSizes,
  DealRecord,
  DealStage,
  EventTable,
  InvoiceRecord,
  PersonRecord,
  PriceRecord,
  RefundRecord,
  SubscriptionRecord,
  SubscriptionStatus,
} from './dataset.js';
import { Random, base62 } from './random.js';
import { seedAda } from './seed-ada.js';

const DAY = 86_400_000;
const YEAR = 365 * DAY;
/** Stripe-style billing month; exact calendar months are not needed for simulated data. */
const MONTH = 30 * DAY;

/** Share of CRM contacts that have a Stripe customer, and of those that subscribe. */
export const CUSTOMER_SHARE = 0.8;
export const SUBSCRIBER_SHARE = 0.4;
/** How far back events go: enough for a 90-day metrics query. */
export const EVENT_HISTORY_DAYS = 180;

const CURRENCIES: readonly Currency[] = ['usd', 'eur', 'gbp', 'jpy'];
const CURRENCY_WEIGHTS = [70, 15, 10, 5];
const INDUSTRIES = [
  'COMPUTER_SOFTWARE',
  'INFORMATION_TECHNOLOGY_AND_SERVICES',
  'FINANCIAL_SERVICES',
  'RETAIL',
  'HOSPITAL_HEALTH_CARE',
  'MARKETING_AND_ADVERTISING',
  'EDUCATION_MANAGEMENT',
  'LOGISTICS_AND_SUPPLY_CHAIN',
] as const;
const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
];
const DEAL_STAGES: readonly DealStage[] = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'decisionmakerboughtin',
  'contractsent',
  'closedwon',
  'closedlost',
];
const DEAL_STAGE_WEIGHTS = [10, 10, 8, 7, 5, 35, 25];
const CARD_BRANDS = ['visa', 'mastercard', 'amex'];
const CARD_COUNTRIES = ['US', 'GB', 'DE', 'FR', 'JP'];
const FAILURE_CODES = ['card_declined', 'insufficient_funds', 'expired_card'];
const REFUND_REASONS = ['requested_by_customer', 'duplicate', 'fraudulent', null] as const;
const PLANS = [
  { name: 'Starter', unit: 2_900 },
  { name: 'Growth', unit: 9_900 },
  { name: 'Scale', unit: 49_900 },
];
export const EVENT_NAMES = [
  '$pageview',
  '$autocapture',
  '$pageleave',
  'signed_in',
  'feature_used',
  'purchase',
];
const EVENT_NAME_WEIGHTS = [50, 25, 12, 6, 6, 1];
const URLS = ['/', '/pricing', '/dashboard', '/settings', '/reports', '/billing', '/docs', '/integrations'];
const BROWSERS = ['Chrome', 'Safari', 'Firefox', 'Edge'];

/** Minor units per major unit; Stripe's zero-decimal currencies (JPY here) have none. */
export function minorUnitsPerMajor(currency: Currency): number {
  return currency === 'jpy' ? 1 : 100;
}

function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '')
    .toLowerCase();
}

/** A time uniformly between `from` and `to`, truncated to whole seconds (Stripe has no finer grain). */
function timeBetween(rng: Random, from: number, to: number): number {
  const t = from + rng.float() * Math.max(0, to - from);
  return Math.floor(t / 1000) * 1000;
}

/** A v4-shaped UUID from the seeded source. */
function uuid4(rng: Random): string {
  const h = rng.hex(32);
  const variant = '89ab'[rng.int(0, 3)];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface GenerateOptions {
  seed: number;
  sizes: DatasetSizes;
  /** The newest instant (epoch ms); all data lies before it. */
  anchor: number;
}

/** Builds the whole data set; the same options give the same data, byte for byte. */
export function generateDataset({ seed, sizes, anchor }: GenerateOptions): Dataset {
  const rng = new Random(seed);
  const faker = new Faker({ locale: [en, base], seed });
  const companies = makeCompanies(rng, faker, sizes.companies, anchor);
  const contacts = makeContacts(rng, faker, sizes.contacts, companies, anchor);
  const deals = makeDeals(rng, faker, sizes.deals, contacts, anchor);
  const customers = makeCustomers(rng, contacts, anchor);
  const charges = makeCharges(rng, faker, sizes.charges, customers, anchor);
  const refunds = makeRefunds(rng, charges, anchor);
  const prices = makePrices(rng, anchor);
  const subscriptions = makeSubscriptions(rng, customers, prices, anchor);
  const invoices = makeInvoices(rng, subscriptions, customers, prices, anchor);
  const persons = makePersons(rng, contacts);
  const events = makeEvents(rng, sizes.events, persons.length, anchor);
  // Last, and drawing nothing from the random source: the rest of the data stays as it was.
  return seedAda({
    seed,
    anchor,
    sizes,
    companies,
    contacts,
    deals,
    customers,
    charges,
    refunds,
    prices,
    subscriptions,
    invoices,
    persons,
    events,
  });
}

/** Increasing numeric-string ids with small gaps, as HubSpot's look. */
function crmIds(rng: Random, count: number, start: number): string[] {
  const ids: string[] = [];
  let next = start;
  for (let i = 0; i < count; i++) {
    next += rng.int(1, 9);
    ids.push(String(next));
  }
  return ids;
}

function makeCompanies(rng: Random, faker: Faker, count: number, anchor: number): CompanyRecord[] {
  const ids = crmIds(rng, count, 5_000_000_000);
  const usedDomains = new Set<string>();
  return ids.map((crmId) => {
    const name = faker.company.name();
    let domain = `${slug(name).slice(0, 24) || 'company'}.${rng.pick(['com', 'io', 'co', 'net'])}`;
    while (usedDomains.has(domain)) domain = `${rng.base62(3).toLowerCase()}-${domain}`;
    usedDomains.add(domain);
    const createdAt = timeBetween(rng, anchor - 4 * YEAR, anchor - 2 * YEAR);
    return {
      crmId,
      name,
      domain,
      industry: rng.pick(INDUSTRIES),
      city: faker.location.city(),
      country: rng.pick(['United States', 'United Kingdom', 'Germany', 'France', 'Japan']),
      phone: faker.phone.number({ style: 'international' }),
      employees: rng.int(2, 5_000),
      createdAt,
      updatedAt: timeBetween(rng, createdAt, anchor),
    };
  });
}

function makeContacts(
  rng: Random,
  faker: Faker,
  count: number,
  companies: CompanyRecord[],
  anchor: number,
): ContactRecord[] {
  const ids = crmIds(rng, count, 100_000);
  return ids.map((crmId, i) => {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    const company = companies.length > 0 && rng.chance(0.9) ? rng.int(0, companies.length - 1) : -1;
    const domain = company >= 0 ? (companies[company]?.domain ?? 'example.com') : 'example.com';
    // The row number makes every email unique, which the gateway's email lookup relies on.
    const email = `${slug(firstName)}.${slug(lastName)}${i}@${domain}`;
    const createdAt = timeBetween(rng, anchor - 2 * YEAR, anchor);
    return {
      crmId,
      firstName,
      lastName,
      email,
      phone: faker.phone.number({ style: 'international' }),
      jobTitle: faker.person.jobTitle(),
      lifecycleStage: rng.pick(LIFECYCLE_STAGES),
      company,
      createdAt,
      updatedAt: timeBetween(rng, createdAt, anchor),
    };
  });
}

function makeDeals(
  rng: Random,
  faker: Faker,
  count: number,
  contacts: ContactRecord[],
  anchor: number,
): DealRecord[] {
  const ids = crmIds(rng, count, 9_000_000_000);
  return ids.map((crmId) => {
    const contact = rng.int(0, contacts.length - 1);
    const owner = contacts[contact] as ContactRecord;
    const currency = rng.weighted(CURRENCIES, CURRENCY_WEIGHTS);
    const stage = rng.weighted(DEAL_STAGES, DEAL_STAGE_WEIGHTS);
    const createdAt = timeBetween(rng, owner.createdAt, anchor);
    const closed = stage === 'closedwon' || stage === 'closedlost';
    const closeDate = closed
      ? timeBetween(rng, createdAt, anchor)
      : timeBetween(rng, anchor, anchor + 120 * DAY);
    const major = rng.int(5, 2_000) * 50;
    return {
      crmId,
      name: `${faker.commerce.productAdjective()} ${faker.commerce.product()} deal`,
      amountMinor: major * minorUnitsPerMajor(currency) + (currency === 'jpy' ? 0 : rng.int(0, 99)),
      currency,
      stage,
      closeDate,
      contact,
      company: owner.company,
      createdAt,
      updatedAt: timeBetween(rng, createdAt, anchor),
    };
  });
}

function makeCustomers(rng: Random, contacts: ContactRecord[], anchor: number): CustomerRecord[] {
  const customers: CustomerRecord[] = [];
  contacts.forEach((contact, index) => {
    if (!rng.chance(CUSTOMER_SHARE)) return;
    customers.push({
      stripeId: `cus_${rng.base62(10)}${base62(customers.length, 4)}`,
      contact: index,
      currency: rng.weighted(CURRENCIES, CURRENCY_WEIGHTS),
      invoicePrefix: rng.hex(8).toUpperCase(),
      createdAt: timeBetween(rng, contact.createdAt, Math.min(anchor, contact.createdAt + 30 * DAY)),
    });
  });
  return customers;
}

function makeCharges(
  rng: Random,
  faker: Faker,
  count: number,
  customers: CustomerRecord[],
  anchor: number,
): ChargeRecord[] {
  // Some customers pay far more often than others; the weights make the long tail realistic.
  const weights = customers.map(() => 0.2 + rng.exponential(1));
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w));
  const charges: ChargeRecord[] = [];
  for (let i = 0; i < count; i++) {
    const roll = rng.float() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) > roll) hi = mid;
      else lo = mid + 1;
    }
    const customer = customers[lo] as CustomerRecord;
    const status = rng.weighted<ChargeRecord['status']>(['succeeded', 'failed', 'pending'], [90, 8, 2]);
    const amount = (rng.int(5, 500) * 100 * minorUnitsPerMajor(customer.currency)) / 100;
    const refunded = status === 'succeeded' && rng.chance(0.05);
    const key = `${rng.base62(14)}${base62(i, 5)}`;
    charges.push({
      stripeId: `ch_3${key}`,
      paymentIntentId: `pi_3${key}`,
      balanceTransactionId: `txn_3${key}`,
      customer: lo,
      amount: Math.round(amount),
      currency: customer.currency,
      status,
      amountRefunded: refunded ? (rng.chance(0.5) ? Math.round(amount) : Math.round(amount / 2)) : 0,
      failureCode: status === 'failed' ? rng.pick(FAILURE_CODES) : null,
      description: faker.commerce.productName(),
      card: {
        brand: rng.pick(CARD_BRANDS),
        last4: String(rng.int(0, 9999)).padStart(4, '0'),
        expMonth: rng.int(1, 12),
        expYear: new Date(anchor).getUTCFullYear() + rng.int(1, 5),
        country: rng.pick(CARD_COUNTRIES),
        funding: rng.pick(['credit', 'debit']),
        fingerprint: rng.base62(16),
      },
      createdAt: timeBetween(rng, customer.createdAt, anchor),
    });
  }
  return charges;
}

function makeRefunds(rng: Random, charges: ChargeRecord[], anchor: number): RefundRecord[] {
  const refunds: RefundRecord[] = [];
  charges.forEach((charge, index) => {
    if (charge.amountRefunded === 0) return;
    refunds.push({
      stripeId: `re_3${rng.base62(14)}${base62(refunds.length, 5)}`,
      charge: index,
      amount: charge.amountRefunded,
      reason: rng.pick(REFUND_REASONS),
      createdAt: timeBetween(rng, charge.createdAt, Math.min(anchor, charge.createdAt + 60 * DAY)),
    });
  });
  return refunds;
}

function makePrices(rng: Random, anchor: number): PriceRecord[] {
  const prices: PriceRecord[] = [];
  for (const plan of PLANS) {
    const productId = `prod_${rng.base62(14)}`;
    const createdAt = timeBetween(rng, anchor - 5 * YEAR, anchor - 4 * YEAR);
    for (const currency of CURRENCIES) {
      prices.push({
        stripeId: `price_${rng.base62(24)}`,
        productId,
        productName: plan.name,
        nickname: `${plan.name} monthly (${currency.toUpperCase()})`,
        unitAmount: currency === 'jpy' ? plan.unit * 1.5 : plan.unit,
        currency,
        interval: 'month',
        createdAt,
      });
    }
  }
  return prices;
}

function makeSubscriptions(
  rng: Random,
  customers: CustomerRecord[],
  prices: PriceRecord[],
  anchor: number,
): SubscriptionRecord[] {
  const subscriptions: SubscriptionRecord[] = [];
  customers.forEach((customer, index) => {
    if (!rng.chance(SUBSCRIBER_SHARE)) return;
    const candidates = prices
      .map((p, i) => (p.currency === customer.currency ? i : -1))
      .filter((i) => i >= 0);
    const price = rng.pick(candidates);
    const status = rng.weighted<SubscriptionStatus>(
      ['active', 'trialing', 'past_due', 'canceled'],
      [70, 5, 5, 20],
    );
    const createdAt = timeBetween(rng, customer.createdAt, anchor);
    const canceledAt = status === 'canceled' ? timeBetween(rng, createdAt, anchor) : null;
    const periodsElapsed = Math.floor(((canceledAt ?? anchor) - createdAt) / MONTH);
    const currentPeriodStart = createdAt + periodsElapsed * MONTH;
    subscriptions.push({
      stripeId: `sub_${rng.base62(20)}${base62(subscriptions.length, 4)}`,
      itemId: `si_${rng.base62(10)}${base62(subscriptions.length, 4)}`,
      customer: index,
      price,
      quantity: rng.weighted([1, 2, 5, 10], [70, 15, 10, 5]),
      status,
      createdAt,
      currentPeriodStart,
      currentPeriodEnd: currentPeriodStart + MONTH,
      canceledAt,
    });
  });
  return subscriptions;
}

/** Invoices for each subscription's most recent billing periods (up to twelve), oldest first. */
function makeInvoices(
  rng: Random,
  subscriptions: SubscriptionRecord[],
  customers: CustomerRecord[],
  prices: PriceRecord[],
  anchor: number,
): InvoiceRecord[] {
  const invoices: InvoiceRecord[] = [];
  const perCustomer = new Map<number, number>();
  subscriptions.forEach((sub, index) => {
    const price = prices[sub.price] as PriceRecord;
    const customer = customers[sub.customer] as CustomerRecord;
    const end = Math.min(sub.canceledAt ?? anchor, anchor);
    const periods = Math.floor((end - sub.createdAt) / MONTH) + 1;
    const first = Math.max(0, periods - 12);
    for (let p = first; p < periods; p++) {
      const periodStart = sub.createdAt + p * MONTH;
      const isLatest = p === periods - 1;
      const status =
        sub.status === 'trialing'
          ? 'paid'
          : isLatest && sub.status === 'past_due'
            ? 'open'
            : rng.weighted<InvoiceRecord['status']>(['paid', 'void', 'uncollectible'], [96, 3, 1]);
      const amountDue = sub.status === 'trialing' && p === 0 ? 0 : price.unitAmount * sub.quantity;
      const sequence = (perCustomer.get(sub.customer) ?? 0) + 1;
      perCustomer.set(sub.customer, sequence);
      invoices.push({
        stripeId: `in_${rng.base62(20)}${base62(invoices.length, 5)}`,
        lineId: `il_${rng.base62(20)}${base62(invoices.length, 5)}`,
        number: `${customer.invoicePrefix}-${String(sequence).padStart(4, '0')}`,
        customer: sub.customer,
        subscription: index,
        status,
        amountDue,
        amountPaid: status === 'paid' ? amountDue : 0,
        currency: price.currency,
        periodStart,
        periodEnd: periodStart + MONTH,
        createdAt: Math.min(periodStart, anchor),
        dueDate: null,
      });
    }
  });
  return invoices;
}

function makePersons(rng: Random, contacts: ContactRecord[]): PersonRecord[] {
  return contacts.map((contact, index) => ({
    id: 10_000 + index,
    uuid: uuid4(rng),
    contact: index,
    createdAt: contact.createdAt,
  }));
}

/**
 * Events in time order by construction (sorted uniform times via exponential gaps), so two
 * million rows take one linear pass; then a stable counting sort builds the per-person index.
 */
function makeEvents(rng: Random, count: number, personCount: number, anchor: number): EventTable {
  const timestamp = new Float64Array(count);
  const person = new Int32Array(count);
  const name = new Uint8Array(count);
  const url = new Uint8Array(count);
  const browser = new Uint8Array(count);
  const value = new Int32Array(count);
  const entropy = new Uint32Array(count);
  const start = anchor - EVENT_HISTORY_DAYS * DAY;
  const span = anchor - start;

  // Sorted uniforms: the normalised running sum of count+1 exponential gaps.
  let total = 0;
  for (let i = 0; i < count; i++) {
    total += rng.exponential(1);
    timestamp[i] = total;
  }
  total += rng.exponential(1);
  for (let i = 0; i < count; i++)
    timestamp[i] = Math.floor(start + ((timestamp[i] as number) / total) * span);

  // A quarter of people are dormant; the rest have a long-tailed activity level.
  const activity = new Float64Array(personCount);
  let weightSum = 0;
  for (let p = 0; p < personCount; p++) {
    const w = rng.chance(0.25) ? 0 : rng.exponential(1);
    weightSum += w;
    activity[p] = weightSum;
  }
  const nameCumulative = cumulativeOf(EVENT_NAME_WEIGHTS);
  for (let i = 0; i < count; i++) {
    const roll = rng.float() * weightSum;
    let lo = 0;
    let hi = personCount - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((activity[mid] as number) > roll) hi = mid;
      else lo = mid + 1;
    }
    person[i] = lo;
    const n = pickCumulative(nameCumulative, rng.float());
    name[i] = n;
    url[i] = rng.int(0, URLS.length - 1);
    browser[i] = rng.int(0, BROWSERS.length - 1);
    value[i] = EVENT_NAMES[n] === 'purchase' ? rng.int(5, 500) * 100 : 0;
    entropy[i] = rng.int(0, 0xffffffff) >>> 0;
  }

  const personStart = new Int32Array(personCount + 1);
  for (let i = 0; i < count; i++) (personStart[(person[i] as number) + 1] as number)++;
  for (let p = 0; p < personCount; p++)
    personStart[p + 1] = (personStart[p + 1] as number) + (personStart[p] as number);
  const cursor = personStart.slice(0, personCount);
  const byPerson = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const p = person[i] as number;
    byPerson[cursor[p] as number] = i;
    cursor[p] = (cursor[p] as number) + 1;
  }
  return {
    count,
    timestamp,
    person,
    name,
    url,
    browser,
    value,
    entropy,
    personStart,
    byPerson,
    names: EVENT_NAMES,
    urls: URLS,
    browsers: BROWSERS,
  };
}

function cumulativeOf(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  let run = 0;
  return weights.map((w) => (run += w / total));
}

function pickCumulative(cumulative: readonly number[], roll: number): number {
  for (let i = 0; i < cumulative.length; i++) if (roll < (cumulative[i] as number)) return i;
  return cumulative.length - 1;
}

/** A UUIDv7-shaped id for event row `i`: its millisecond timestamp, then the row's seeded bits. */
export function eventUuid(events: EventTable, i: number): string {
  const ms = (events.timestamp[i] as number).toString(16).padStart(12, '0');
  const bits = (events.entropy[i] as number).toString(16).padStart(8, '0');
  const row = i.toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${bits.slice(0, 3)}-${'89ab'[(events.entropy[i] as number) & 3]}${bits.slice(3, 6)}-${row}`;
}
