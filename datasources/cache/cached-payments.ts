import type {
  AccountInput,
  Invoice,
  MoneyValue,
  Page,
  PageRequest,
  Payment,
  PaymentAccount,
  PaymentStatus,
  PaymentSummary,
  PaymentsProvider,
  RefundInput,
  Subscription,
  WriteOptions,
} from '../model.js';
import { summarizePayments } from '../payment-summary.js';
import type { ReadThroughCache } from './read-through.js';

const OF_CONTACT = 'of-contact:';
const OF_ACCOUNT = 'of-account:';
const SUMMARY_OF_ACCOUNT = 'summary-of-account:';

function strip(prefix: string, keys: readonly string[]): string[] {
  return keys.map((k) => k.slice(prefix.length));
}

/** The payments port with read-through caching in front. Money is cached briefly (see ttl.ts). */
export class CachedPayments implements PaymentsProvider {
  constructor(
    private readonly inner: PaymentsProvider,
    private readonly cache: ReadThroughCache,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  getAccounts(ids: readonly string[]): Promise<Array<PaymentAccount | null>> {
    return this.cache.batch('accounts', ids, (missing) => this.inner.getAccounts(missing));
  }

  accountsOfContacts(contactIds: readonly string[]): Promise<Array<PaymentAccount | null>> {
    return this.cache.batch(
      'accounts',
      contactIds.map((id) => OF_CONTACT + id),
      (missing) => this.inner.accountsOfContacts(strip(OF_CONTACT, missing)),
    );
  }

  /** Whole histories; each one read also stores its summary, so neither is read twice. */
  paymentsOfAccounts(accountIds: readonly string[]): Promise<Payment[][]> {
    return this.cache.batch(
      'payments',
      accountIds.map((id) => OF_ACCOUNT + id),
      async (missing) => {
        const ids = strip(OF_ACCOUNT, missing);
        const histories = await this.inner.paymentsOfAccounts(ids);
        this.cache.put(
          'payments',
          histories.map((history, i) => ({
            id: SUMMARY_OF_ACCOUNT + ids[i],
            value: summarizePayments(history),
          })),
        );
        return histories;
      },
    );
  }

  /**
   * Small entries (newest payments and totals): the warm path reads these, not whole histories. A
   * provider that read the whole history to make one hands it along: it is stored as the account's
   * history (a walk past the first page then needs no second read), never inside the summary.
   */
  paymentSummaries(accountIds: readonly string[]): Promise<PaymentSummary[]> {
    return this.cache.batch(
      'payments',
      accountIds.map((id) => SUMMARY_OF_ACCOUNT + id),
      async (missing) => {
        const ids = strip(SUMMARY_OF_ACCOUNT, missing);
        const summaries = await this.inner.paymentSummaries(ids);
        this.cache.put(
          'payments',
          summaries.flatMap(({ history }, i) =>
            history ? [{ id: OF_ACCOUNT + ids[i], value: history }] : [],
          ),
        );
        return summaries.map(({ history: _history, ...summary }) => summary);
      },
    );
  }

  getPayments(ids: readonly string[]): Promise<Array<Payment | null>> {
    return this.cache.batch('payments', ids, (missing) => this.inner.getPayments(missing));
  }

  listPayments(
    page: PageRequest,
    filter: { accountId?: string; status?: PaymentStatus },
  ): Promise<Page<Payment>> {
    return this.cache.call('lists', ['payments', page, filter], () => this.inner.listPayments(page, filter));
  }

  getInvoices(ids: readonly string[]): Promise<Array<Invoice | null>> {
    return this.cache.batch('invoices', ids, (missing) => this.inner.getInvoices(missing));
  }

  listInvoices(page: PageRequest, filter: { accountId?: string }): Promise<Page<Invoice>> {
    return this.cache.call('lists', ['invoices', page, filter], () => this.inner.listInvoices(page, filter));
  }

  getSubscriptions(ids: readonly string[]): Promise<Array<Subscription | null>> {
    return this.cache.batch('subscriptions', ids, (missing) => this.inner.getSubscriptions(missing));
  }

  subscriptionsOfAccounts(accountIds: readonly string[]): Promise<Subscription[][]> {
    return this.cache.batch(
      'subscriptions',
      accountIds.map((id) => OF_ACCOUNT + id),
      (missing) => this.inner.subscriptionsOfAccounts(strip(OF_ACCOUNT, missing)),
    );
  }

  revenueByBucket(since: Date, until: Date, bucketStarts: readonly Date[]): Promise<MoneyValue[][]> {
    return this.cache.call('metrics', ['revenue', since, until, bucketStarts], () =>
      this.inner.revenueByBucket(since, until, bucketStarts),
    );
  }

  // ---- writes: through to the provider, then forget what they changed (a failed write changed nothing)

  /** Also drops the contact's account lookup, which may hold a cached "no account". */
  async createAccount(input: AccountInput, options: WriteOptions): Promise<PaymentAccount> {
    const account = await this.inner.createAccount(input, options);
    await this.invalidateAccount(account.id, account.contactId ?? input.contactId);
    return account;
  }

  async updateAccount(
    id: string,
    changes: { email?: string | null; name?: string | null },
    options: WriteOptions,
  ): Promise<PaymentAccount> {
    const account = await this.inner.updateAccount(id, changes, options);
    await this.invalidateAccount(id, account.contactId);
    return account;
  }

  async refundPayment(input: RefundInput, options: WriteOptions): Promise<Payment> {
    const payment = await this.inner.refundPayment(input, options);
    const paymentIds = [...new Set([input.paymentId, payment.id])];
    if (payment.accountId === null) {
      await this.cache.invalidate('payments', paymentIds, ['lists', 'metrics']);
    } else {
      await this.invalidatePayments(payment.accountId, paymentIds);
    }
    return payment;
  }

  /** Forgets an account's payments (after a refund or a payment webhook) and every cached list. */
  async invalidatePayments(accountId: string, paymentIds: readonly string[] = []): Promise<void> {
    await this.cache.invalidate(
      'payments',
      [OF_ACCOUNT + accountId, SUMMARY_OF_ACCOUNT + accountId, ...paymentIds],
      ['lists', 'metrics'],
    );
  }

  async invalidateAccount(accountId: string, contactId?: string | null): Promise<void> {
    await this.cache.invalidate('accounts', [accountId, ...(contactId ? [OF_CONTACT + contactId] : [])]);
  }
}
