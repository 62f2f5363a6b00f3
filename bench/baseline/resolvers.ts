/**
 * The naive build's resolvers: every field asks its provider on its own, one id at a time, with no
 * DataLoader, no cache and nothing shared between fields — the N+1 shape Concord exists to avoid.
 * It reuses the datasources/ adapters only as REST clients, so both builds read the same data.
 */
import { GraphQLScalarType, Kind } from 'graphql';
import { bucketStarts, nextBucketStart } from '../../datasources/buckets.js';
import { lifetimeValue } from '../../datasources/lifetime-value.js';
import type {
  AnalyticsProvider,
  Contact,
  CrmProvider,
  Deal,
  DealStatus,
  Interval,
  MoneyValue,
  Page,
  PaymentAccount,
  PaymentsProvider,
  ProviderRef,
} from '../../datasources/model.js';
import { minorToDecimal } from '../../datasources/money.js';

export interface BaselineProviders {
  crm: CrmProvider;
  payments: PaymentsProvider;
  analytics: AnalyticsProvider;
}

/** Activity window when the query gives none, as in Concord's schema description. */
export const DEFAULT_ACTIVITY_DAYS = 30;
const DAY_MS = 86_400_000;

type Args = Record<string, unknown>;

const toId = (type: string, id: string) => Buffer.from(`naive:${type}:${id}`).toString('base64url');
const fromId = (id: string) => Buffer.from(id, 'base64url').toString('utf8').split(':').slice(2).join(':');
const encodeCursor = (c: string) => Buffer.from(c).toString('base64url');
const decodeCursor = (c: unknown) => (typeof c === 'string' ? Buffer.from(c, 'base64url').toString() : null);

function connection<T>(page: Page<T>, type: string, idOf: (t: T) => string) {
  return {
    edges: page.items.map((node, i) => ({
      cursor: encodeCursor(page.cursors[i] ?? idOf(node)),
      node,
    })),
    pageInfo: {
      hasNextPage: page.nextCursor !== null,
      hasPreviousPage: false,
      startCursor: page.cursors[0] ? encodeCursor(page.cursors[0]) : null,
      endCursor: page.cursors.at(-1) ? encodeCursor(page.cursors.at(-1) as string) : null,
    },
    totalCount: page.totalCount,
    type,
  };
}

function listConnection<T>(items: T[], idOf: (t: T) => string) {
  return {
    edges: items.map((node) => ({ cursor: encodeCursor(idOf(node)), node })),
    pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    totalCount: items.length,
  };
}

const formatters = new Map<string, Intl.NumberFormat>();
function formatMoney(money: MoneyValue): string {
  let f = formatters.get(money.currency);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { style: 'currency', currency: money.currency });
    formatters.set(money.currency, f);
  }
  return f.format(minorToDecimal(money) as `${number}`);
}

const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize: (value) => (value instanceof Date ? value : new Date(String(value))).toISOString(),
  parseValue: (value) => new Date(String(value)),
  parseLiteral: (ast) => new Date(ast.kind === Kind.STRING ? ast.value : NaN),
});

const JSONScalar = new GraphQLScalarType({ name: 'JSON' });

interface MetricsParent {
  start: Date;
  end: Date;
}

/** Resolvers for the parts of the schema the benchmark queries touch. */
export function baselineResolvers(p: BaselineProviders) {
  // Deliberately not memoised: lifetimeValue, payments and subscriptions each find the account again.
  const accountOf = async (contact: Contact): Promise<PaymentAccount | null> =>
    (await p.payments.accountsOfContacts([contact.id]))[0] ?? null;

  return {
    DateTime,
    JSON: JSONScalar,
    Node: { __resolveType: () => 'Customer' },
    Query: {
      customers: async (_: unknown, args: Args) => {
        const page = await p.crm.listContacts({
          limit: typeof args.first === 'number' ? args.first : 20,
          after: decodeCursor(args.after),
        });
        return connection(page, 'Customer', (c) => c.id);
      },
      customer: async (_: unknown, args: Args) =>
        typeof args.id === 'string'
          ? (await p.crm.getContacts([fromId(args.id)]))[0]
          : (await p.crm.getContactsByEmail([String(args.email)]))[0],
      node: async (_: unknown, args: Args) => (await p.crm.getContacts([fromId(String(args.id))]))[0],
      metrics: (_: unknown, args: Args) => {
        const since = args.since as Date;
        const until = args.until as Date;
        const interval = args.interval as Interval;
        return {
          since,
          until,
          interval,
          buckets: bucketStarts(since, until, interval).map((start) => ({
            start,
            end: new Date(Math.min(nextBucketStart(start.getTime(), interval), until.getTime())),
          })),
        };
      },
    },
    // Each bucket asks each provider for its own range: one call per field per bucket.
    MetricsBucket: {
      revenue: async (b: MetricsParent) => (await p.payments.revenueByBucket(b.start, b.end, [b.start]))[0],
      activeUsers: async (b: MetricsParent) => {
        const rows = await p.analytics.activeUsersByBucket(b.start, b.end, 'DAY');
        return rows.reduce((sum, r) => sum + r.count, 0);
      },
      newCustomers: async (b: MetricsParent) =>
        (await p.crm.countContactsCreated(b.start, b.end, [b.start]))[0] ?? 0,
    },
    Customer: {
      id: (c: Contact) => toId('Customer', c.id),
      name: (c: Contact) => [c.firstName, c.lastName].filter(Boolean).join(' ') || null,
      company: async (c: Contact) => (c.companyId ? (await p.crm.getCompanies([c.companyId]))[0] : null),
      deals: async (c: Contact, args: Args) => {
        const ids = (await p.crm.dealIdsOfContacts([c.id]))[0] ?? [];
        // One read per deal: the textbook N+1.
        const deals = await Promise.all(ids.map(async (id) => (await p.crm.getDeals([id]))[0]));
        const status = args.status as DealStatus | undefined;
        return listConnection(
          deals.filter((d): d is Deal => d != null && (status == null || d.status === status)),
          (d) => d.id,
        );
      },
      payments: async (c: Contact, args: Args) => {
        const account = await accountOf(c);
        if (!account) return listConnection([], () => '');
        const page = await p.payments.listPayments(
          { limit: typeof args.first === 'number' ? args.first : 20, after: decodeCursor(args.after) },
          { accountId: account.id },
        );
        return connection(page, 'Payment', (x) => x.id);
      },
      invoices: async (c: Contact, args: Args) => {
        const account = await accountOf(c);
        if (!account) return listConnection([], () => '');
        const page = await p.payments.listInvoices(
          { limit: typeof args.first === 'number' ? args.first : 20, after: decodeCursor(args.after) },
          { accountId: account.id },
        );
        return connection(page, 'Invoice', (x) => x.id);
      },
      subscriptions: async (c: Contact) => {
        const account = await accountOf(c);
        return account ? ((await p.payments.subscriptionsOfAccounts([account.id]))[0] ?? []) : [];
      },
      lifetimeValue: async (c: Contact) => {
        const account = await accountOf(c);
        if (!account?.currency) return null;
        const all = (await p.payments.paymentsOfAccounts([account.id]))[0] ?? [];
        return lifetimeValue(all, account.currency);
      },
      activity: async (c: Contact, args: Args) => {
        const until = (args.until as Date | undefined) ?? new Date();
        const since =
          (args.since as Date | undefined) ?? new Date(until.getTime() - DEFAULT_ACTIVITY_DAYS * DAY_MS);
        return (await p.analytics.activityOfContacts([c.id], since, until))[0];
      },
      links: async (c: Contact) => {
        const account = await accountOf(c);
        const refs: ProviderRef[] = [c.ref, ...(account ? [account.ref] : [])];
        return [...refs, { domain: 'ANALYTICS', provider: p.analytics.name, externalId: c.id, url: null }];
      },
    },
    Company: { id: (x: { id: string }) => toId('Company', x.id) },
    Deal: { id: (x: { id: string }) => toId('Deal', x.id) },
    Payment: { id: (x: { id: string }) => toId('Payment', x.id) },
    Invoice: { id: (x: { id: string }) => toId('Invoice', x.id) },
    BillingSubscription: { id: (x: { id: string }) => toId('BillingSubscription', x.id) },
    Money: {
      amount: (m: MoneyValue) => minorToDecimal(m),
      currency: (m: MoneyValue) => m.currency,
      formatted: (m: MoneyValue) => formatMoney(m),
    },
  };
}
