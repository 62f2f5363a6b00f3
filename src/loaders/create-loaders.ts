import DataLoader from 'dataloader';
import type {
  ActivitySummary,
  AnalyticsEvent,
  AnalyticsProvider,
  Company,
  Contact,
  CrmProvider,
  Deal,
  DealParties,
  Invoice,
  Payment,
  PaymentSummary,
  PaymentAccount,
  PaymentsProvider,
  Subscription,
} from '../../datasources/model.js';
import type { BatchLimits } from '../../datasources/provider-descriptor.js';
import { ProviderError } from '../../datasources/transport/errors.js';

/** The batch sizes each loader splits at: the chosen providers' own (their descriptors' `limits`). */
export interface LoaderLimits {
  crm: BatchLimits['CRM'];
  payments: BatchLimits['PAYMENTS'];
  analytics: BatchLimits['ANALYTICS'];
}

export interface ActivityKey {
  contactId: string;
  since: Date;
  until: Date;
}

export interface Loaders {
  contact: DataLoader<string, Contact | null>;
  contactByEmail: DataLoader<string, Contact | null>;
  company: DataLoader<string, Company | null>;
  deal: DataLoader<string, Deal | null>;
  dealIdsOfContact: DataLoader<string, string[]>;
  dealParties: DataLoader<string, DealParties>;
  /** One key (`all`): the CRM's stage id → label map, asked once per request whatever the deals. */
  dealStageLabels: DataLoader<'all', ReadonlyMap<string, string>>;
  account: DataLoader<string, PaymentAccount | null>;
  accountOfContact: DataLoader<string, PaymentAccount | null>;
  paymentsOfAccount: DataLoader<string, Payment[]>;
  paymentSummary: DataLoader<string, PaymentSummary>;
  payment: DataLoader<string, Payment | null>;
  invoice: DataLoader<string, Invoice | null>;
  subscription: DataLoader<string, Subscription | null>;
  subscriptionsOfAccount: DataLoader<string, Subscription[]>;
  activity: DataLoader<ActivityKey, ActivitySummary, string>;
  event: DataLoader<string, AnalyticsEvent | null>;
}

export interface LoaderProviders {
  crm: CrmProvider;
  payments: PaymentsProvider;
  analytics: AnalyticsProvider;
}

export interface LoaderOptions {
  limits: LoaderLimits;
  /** Off only to measure what batching saves: every key becomes its own provider call. */
  batching: boolean;
  /** Told about each batch (loader name, key count) and runs it: metrics and a trace span. */
  observeBatch?: BatchObserver;
}

/** Wraps one batch run of the named loader; must call `run` once and answer what it answers. */
export type BatchObserver = <V>(loader: string, size: number, run: () => Promise<V>) => Promise<V>;

/**
 * A loader whose batch function failing for a retryable reason is not remembered: DataLoader
 * caches a rejected key for the loader's life, which would pin a passing outage to the request.
 */
function loader<K, V, C = K>(
  name: string,
  batch: (keys: readonly K[]) => Promise<readonly V[]>,
  maxBatchSize: number,
  options: LoaderOptions,
  cacheKeyFn?: (key: K) => C,
): DataLoader<K, V, C> {
  const { observeBatch } = options;
  const created: DataLoader<K, V, C> = new DataLoader<K, V, C>(
    async (keys) => {
      try {
        return await (observeBatch ? observeBatch(name, keys.length, () => batch(keys)) : batch(keys));
      } catch (error) {
        if (error instanceof ProviderError && error.retryable) {
          queueMicrotask(() => keys.forEach((key) => created.clear(key)));
        }
        throw error;
      }
    },
    { maxBatchSize, batch: options.batching, ...(cacheKeyFn ? { cacheKeyFn } : {}) },
  );
  return created;
}

/** Groups activity keys by time window so each window is one analytics query. */
async function loadActivity(
  analytics: AnalyticsProvider,
  keys: readonly ActivityKey[],
): Promise<ActivitySummary[]> {
  const windows = new Map<string, ActivityKey[]>();
  for (const key of keys) {
    const window = `${key.since.getTime()}/${key.until.getTime()}`;
    const group = windows.get(window);
    if (group) group.push(key);
    else windows.set(window, [key]);
  }
  const answers = new Map<ActivityKey, ActivitySummary>();
  await Promise.all(
    [...windows.values()].map(async (group) => {
      const first = group[0] as ActivityKey;
      const summaries = await analytics.activityOfContacts(
        group.map((k) => k.contactId),
        first.since,
        first.until,
      );
      group.forEach((key, i) => answers.set(key, summaries[i] as ActivitySummary));
    }),
  );
  return keys.map((key) => answers.get(key) as ActivitySummary);
}

/** A fresh loader set for one request; never shared, so one client's data never serves another. */
export function createLoaders(
  { crm, payments, analytics }: LoaderProviders,
  options: LoaderOptions,
): Loaders {
  const { crm: crmLimits, payments: paymentLimits, analytics: analyticsLimits } = options.limits;
  return {
    contact: loader('contact', (ids) => crm.getContacts(ids), crmLimits.batchRead, options),
    contactByEmail: loader(
      'contactByEmail',
      (emails) => crm.getContactsByEmail(emails),
      crmLimits.batchRead,
      options,
      (email) => email.toLowerCase(),
    ),
    company: loader('company', (ids) => crm.getCompanies(ids), crmLimits.batchRead, options),
    deal: loader('deal', (ids) => crm.getDeals(ids), crmLimits.batchRead, options),
    dealParties: loader('dealParties', (ids) => crm.dealParties(ids), crmLimits.associations, options),
    dealStageLabels: loader(
      'dealStageLabels',
      async (keys: readonly 'all'[]) => {
        const labels = new Map((await crm.dealStageLabels()).map(({ id, label }) => [id, label]));
        return keys.map(() => labels);
      },
      1,
      options,
    ),
    dealIdsOfContact: loader(
      'dealIdsOfContact',
      (ids) => crm.dealIdsOfContacts(ids),
      crmLimits.associations,
      options,
    ),
    account: loader('account', (ids) => payments.getAccounts(ids), paymentLimits.retrieve, options),
    accountOfContact: loader(
      'accountOfContact',
      (ids) => payments.accountsOfContacts(ids),
      paymentLimits.accountLookup,
      options,
    ),
    paymentsOfAccount: loader(
      'paymentsOfAccount',
      (ids) => payments.paymentsOfAccounts(ids),
      paymentLimits.searchClauses,
      options,
    ),
    paymentSummary: loader(
      'paymentSummary',
      (ids) => payments.paymentSummaries(ids),
      paymentLimits.searchClauses,
      options,
    ),
    payment: loader('payment', (ids) => payments.getPayments(ids), paymentLimits.retrieve, options),
    invoice: loader('invoice', (ids) => payments.getInvoices(ids), paymentLimits.retrieve, options),
    subscription: loader(
      'subscription',
      (ids) => payments.getSubscriptions(ids),
      paymentLimits.retrieve,
      options,
    ),
    subscriptionsOfAccount: loader(
      'subscriptionsOfAccount',
      (ids) => payments.subscriptionsOfAccounts(ids),
      paymentLimits.retrieve,
      options,
    ),
    activity: loader(
      'activity',
      (keys) => loadActivity(analytics, keys),
      analyticsLimits.ids,
      options,
      (key) => `${key.contactId}|${key.since.getTime()}|${key.until.getTime()}`,
    ),
    event: loader('event', (ids) => analytics.getEvents(ids), analyticsLimits.ids, options),
  };
}
