import {
  UnsupportedPagingError,
  WriteRejectedError,
  type AccountInput,
  type Invoice,
  type MoneyValue,
  type Page,
  type PageRequest,
  type Payment,
  type PaymentAccount,
  type PaymentStatus,
  type PaymentSummary,
  type PaymentsProvider,
  type RefundInput,
  type Subscription,
  type WriteOptions,
} from '../model.js';
import { summarizePayments } from '../payment-summary.js';
import { ProviderError, ProviderErrorCode } from '../transport/errors.js';
import type { RequestPolicy, UpstreamCall } from '../transport/http-client.js';
import { BucketSums } from './buckets.js';
import {
  CustomerSchema,
  MAX_PAGE_SIZE,
  RefundSchema,
  StripeClient,
  allOf,
  exactClause,
  metadataClause,
  orQueries,
  type ListParams,
  type Resource,
  type StripeCharge,
  type StripeCustomer,
  type StripeSearchResult,
  type ItemOf as ListItem,
} from './client.js';
import {
  CRM_CONTACT_KEY,
  capturedRevenue,
  chargeToPayment,
  contactIdOf,
  customerCreateParams,
  customerToAccount,
  customerUpdateParams,
  fromUnix,
  idOf,
  invoiceToModel,
  oldestCustomer,
  paymentStatus,
  refundParams,
  subscriptionToModel,
  type MappingContext,
} from './mapping.js';
import { checkId, isPlausibleId, rejecting } from './errors.js';
import { decodeSearchCursor, encodeSearchCursor, listPage, pageSize, statusSearch } from './paging.js';

export { StripeClient } from './client.js';

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Pages a search walks at most to fill one filtered page; beyond that it answers short, with a cursor. */
export const MAX_SEARCH_CALLS_PER_PAGE = 5;

// ---- the adapter -------------------------------------------------------------------------------

export interface StripePaymentsOptions {
  baseUrl: string;
  secretKey: string;
  apiVersion: string;
  timeoutMs?: number;
  connections?: number;
  onCall?: (call: UpstreamCall) => void;
  /** Retries, deadline, circuit breaker and bulkhead around every request. */
  policy?: RequestPolicy;
}

/** Parallel walks for a revenue range; the provider's bulkhead still caps concurrent calls. */
export const REVENUE_SLICES = 8;

/** [from, to) in unix seconds cut into at most `count` contiguous slices of whole seconds. */
export function timeSlices(from: number, to: number, count: number): Array<[number, number]> {
  const span = to - from;
  const n = Math.max(1, Math.min(count, span));
  const slices: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const start = from + Math.floor((span * i) / n);
    const end = from + Math.floor((span * (i + 1)) / n);
    if (end > start) slices.push([start, end]);
  }
  return slices;
}

export function createStripePayments(options: StripePaymentsOptions): StripePayments {
  return new StripePayments(new StripeClient(options));
}

/** Concord's payments port over Stripe v1: payments are charges (docs/decisions/0001). */
export class StripePayments implements PaymentsProvider {
  readonly name = 'stripe';
  private readonly ctx: MappingContext;

  constructor(private readonly client: StripeClient) {
    this.ctx = { livemode: client.livemode };
  }

  /** One customers search per 10 contacts (Stripe's clause limit), all at once. */
  async accountsOfContacts(contactIds: readonly string[]): Promise<Array<PaymentAccount | null>> {
    const wanted = unique(contactIds).filter((id) => id !== '');
    const queries = orQueries(wanted, (id) => metadataClause(CRM_CONTACT_KEY, id));
    const found = (await Promise.all(queries.map((q) => this.searchAll('customers', q.query)))).flat();
    const byContact = new Map<string, StripeCustomer[]>();
    for (const customer of found) {
      const contactId = contactIdOf(customer);
      if (contactId === null) continue;
      const list = byContact.get(contactId);
      if (list) list.push(customer);
      else byContact.set(contactId, [customer]);
    }
    return contactIds.map((id) => {
      const oldest = oldestCustomer(byContact.get(id) ?? []);
      return oldest ? customerToAccount(oldest, this.ctx) : null;
    });
  }

  /** One charges search per 10 accounts, 100 charges a page, pages followed to the end. */
  async paymentsOfAccounts(accountIds: readonly string[]): Promise<Payment[][]> {
    const wanted = unique(accountIds).filter(isPlausibleId);
    const queries = orQueries(wanted, (id) => exactClause('customer', id));
    const charges = (await Promise.all(queries.map((q) => this.searchAll('charges', q.query)))).flat();
    const byAccount = new Map<string, StripeCharge[]>();
    const seen = new Set<string>();
    for (const charge of charges) {
      const accountId = idOf(charge.customer);
      // Offset pages can repeat a row when a charge arrives mid-walk.
      if (accountId === null || seen.has(charge.id)) continue;
      seen.add(charge.id);
      const list = byAccount.get(accountId);
      if (list) list.push(charge);
      else byAccount.set(accountId, [charge]);
    }
    return accountIds.map((id) =>
      // A stable sort keeps Stripe's own order among charges made in the same second.
      (byAccount.get(id) ?? [])
        .sort((a, b) => b.created - a.created)
        .map((charge) => chargeToPayment(charge, this.ctx)),
    );
  }

  async paymentSummaries(accountIds: readonly string[]): Promise<PaymentSummary[]> {
    // Stripe has no per-customer totals: the summary is made from the whole history, once, and the
    // history goes along so the cache can keep it for paging.
    return (await this.paymentsOfAccounts(accountIds)).map((history) => ({
      ...summarizePayments(history),
      history,
    }));
  }

  async listPayments(
    page: PageRequest,
    filter: { accountId?: string; status?: PaymentStatus },
  ): Promise<Page<Payment>> {
    if (filter.status !== undefined) return this.searchPayments(page, filter.status, filter.accountId);
    return this.listResource('charges', page, filter.accountId, (c) => chargeToPayment(c, this.ctx));
  }

  async listInvoices(page: PageRequest, filter: { accountId?: string }): Promise<Page<Invoice>> {
    return this.listResource('invoices', page, filter.accountId, (i) => invoiceToModel(i, this.ctx));
  }

  /** Stripe has no batch retrieve: one GET per distinct id, all at once. */
  async getAccounts(ids: readonly string[]): Promise<Array<PaymentAccount | null>> {
    return this.retrieveMany('customers', ids, (c) => customerToAccount(c, this.ctx));
  }

  async getPayments(ids: readonly string[]): Promise<Array<Payment | null>> {
    return this.retrieveMany('charges', ids, (c) => chargeToPayment(c, this.ctx));
  }

  async getInvoices(ids: readonly string[]): Promise<Array<Invoice | null>> {
    return this.retrieveMany('invoices', ids, (i) => invoiceToModel(i, this.ctx));
  }

  async getSubscriptions(ids: readonly string[]): Promise<Array<Subscription | null>> {
    return this.retrieveMany('subscriptions', ids, (s) => subscriptionToModel(s, this.ctx));
  }

  /** Subscription search has no customer field, so one list per account (canceled included), all at once. */
  async subscriptionsOfAccounts(accountIds: readonly string[]): Promise<Subscription[][]> {
    const wanted = unique(accountIds).filter(isPlausibleId);
    const lists = await Promise.all(
      wanted.map(async (id) => {
        const subscriptions = [];
        for await (const s of this.listAll('subscriptions', { customer: id, status: 'all' }))
          subscriptions.push(subscriptionToModel(s, this.ctx));
        return [id, subscriptions] as const;
      }),
    );
    const byAccount = new Map(lists);
    return accountIds.map((id) => byAccount.get(id) ?? []);
  }

  /**
   * Revenue is the captured amount of succeeded charges, in the bucket of the charge's creation.
   * Refunds are not subtracted: they happen later and belong to the bucket they happen in, which
   * this list cannot tell. One charges list walked 100 at a time.
   */
  async revenueByBucket(since: Date, until: Date, bucketStarts: readonly Date[]): Promise<MoneyValue[][]> {
    const sums = new BucketSums(bucketStarts);
    const gte = Math.ceil(since.getTime() / 1000);
    const lt = Math.ceil(until.getTime() / 1000);
    if (bucketStarts.length === 0 || lt <= gte) return sums.result();
    // Stripe has no aggregate: every charge in range is listed. The range is cut into slices walked
    // side by side, so a long range costs the same calls but a fraction of the time.
    await Promise.all(
      timeSlices(gte, lt, REVENUE_SLICES).map(async ([from, to]) => {
        for await (const charge of this.listAll('charges', { created: { gte: from, lt: to } })) {
          const revenue = capturedRevenue(charge);
          if (revenue) sums.add(fromUnix(charge.created), revenue);
        }
      }),
    );
    return sums.result();
  }

  // ---- writes ------------------------------------------------------------------------------------
  // The caller's key goes to Stripe verbatim: a repeat (ours or the policy's) answers the first result.

  async createAccount(input: AccountInput, options: WriteOptions): Promise<PaymentAccount> {
    const customer = await rejecting('customer', () =>
      this.client.post(
        '/v1/customers',
        'POST /v1/customers',
        customerCreateParams(input),
        CustomerSchema,
        options.idempotencyKey,
      ),
    );
    return customerToAccount(customer, this.ctx);
  }

  async updateAccount(
    id: string,
    changes: { email?: string | null; name?: string | null },
    options: WriteOptions,
  ): Promise<PaymentAccount> {
    checkId(id, 'customer');
    const customer = await rejecting('customer', () =>
      this.client.post(
        `/v1/customers/${encodeURIComponent(id)}`,
        'POST /v1/customers/{id}',
        customerUpdateParams(changes),
        CustomerSchema,
        options.idempotencyKey,
      ),
    );
    return customerToAccount(customer, this.ctx);
  }

  /** The refund comes back with its charge expanded: the payment after the refund, without a second call. */
  async refundPayment(input: RefundInput, options: WriteOptions): Promise<Payment> {
    checkId(input.paymentId, 'charge');
    if (input.amount !== null && input.amount <= 0n) {
      throw new WriteRejectedError('INVALID', 'A refund amount must be positive.', 'amount');
    }
    const refund = await rejecting('charge', () =>
      this.client.post(
        '/v1/refunds',
        'POST /v1/refunds',
        refundParams(input),
        RefundSchema,
        options.idempotencyKey,
      ),
    );
    return chargeToPayment(refund.charge, this.ctx);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  // ---- paging --------------------------------------------------------------------------------

  private async listResource<R extends 'charges' | 'invoices', T>(
    resource: R,
    page: PageRequest,
    accountId: string | undefined,
    map: (item: ListItem<R>) => T,
  ): Promise<Page<T>> {
    const backward = typeof page.before === 'string' && page.before !== '';
    const after = typeof page.after === 'string' && page.after !== '' ? page.after : undefined;
    const res = await this.client.list(resource, {
      limit: pageSize(page.limit),
      ...(accountId === undefined ? {} : { customer: accountId }),
      ...(backward ? { ending_before: page.before as string } : after ? { starting_after: after } : {}),
    });
    return listPage(
      res.data.map((item) => map(item)),
      res.data.map((item) => item.id),
      res.has_more,
      { backward, fromCursor: backward || after !== undefined },
    );
  }

  /** Status filters need search, which only pages forward. */
  private async searchPayments(
    page: PageRequest,
    status: PaymentStatus,
    accountId: string | undefined,
  ): Promise<Page<Payment>> {
    if (typeof page.before === 'string' && page.before !== '') {
      throw new UnsupportedPagingError(
        'Payments filtered by status come from Stripe search, which pages only forward: use first/after.',
      );
    }
    const { clauses, exact } = statusSearch(status);
    const query = allOf([
      ...(accountId === undefined ? [] : [exactClause('customer', accountId)]),
      ...clauses,
    ]);
    const limit = pageSize(page.limit);
    const matches = (charge: StripeCharge): boolean => paymentStatus(charge) === status;
    let { pageToken, skip } = page.after ? decodeSearchCursor(page.after) : { pageToken: null, skip: 0 };

    const items: Payment[] = [];
    const cursors: string[] = [];
    let totalCount: number | null = null;
    for (let calls = 1; ; calls++) {
      // Always 100 a page: a token then means the same rows whatever page size the client asks.
      const res = await this.client.search('charges', {
        query,
        limit: MAX_PAGE_SIZE,
        page: pageToken,
        totalCount: exact && calls === 1,
      });
      if (exact && res.total_count !== undefined) totalCount = res.total_count;
      const nextToken = res.has_more ? res.next_page : null;
      const cursorAfter = (i: number): string =>
        i + 1 >= res.data.length && nextToken !== null
          ? encodeSearchCursor(nextToken, 0)
          : encodeSearchCursor(pageToken, i + 1);
      for (let i = skip; i < res.data.length; i++) {
        const charge = res.data[i] as StripeCharge;
        if (!matches(charge)) continue;
        items.push(chargeToPayment(charge, this.ctx));
        cursors.push(cursorAfter(i));
        if (items.length === limit) {
          const more = nextToken !== null || res.data.slice(i + 1).some(matches);
          return {
            items,
            cursors,
            nextCursor: more ? cursorAfter(i) : null,
            previousCursor: null,
            totalCount,
          };
        }
      }
      if (nextToken === null) return { items, cursors, nextCursor: null, previousCursor: null, totalCount };
      pageToken = nextToken;
      skip = 0;
      if (calls >= MAX_SEARCH_CALLS_PER_PAGE) {
        return {
          items,
          cursors,
          nextCursor: encodeSearchCursor(pageToken, 0),
          previousCursor: null,
          totalCount,
        };
      }
    }
  }

  private async searchAll<R extends Resource>(resource: R, query: string): Promise<Array<ListItem<R>>> {
    const out: Array<ListItem<R>> = [];
    let page: string | null = null;
    do {
      const res: StripeSearchResult<ListItem<R>> = await this.client.search(resource, {
        query,
        limit: MAX_PAGE_SIZE,
        page,
      });
      out.push(...res.data);
      page = res.has_more ? res.next_page : null;
    } while (page !== null);
    return out;
  }

  private async *listAll<R extends Resource>(resource: R, params: ListParams): AsyncGenerator<ListItem<R>> {
    let startingAfter: string | undefined;
    for (;;) {
      const res = await this.client.list(resource, {
        ...params,
        limit: MAX_PAGE_SIZE,
        ...(startingAfter === undefined ? {} : { starting_after: startingAfter }),
      });
      yield* res.data;
      const last = res.data[res.data.length - 1];
      if (!res.has_more || !last) return;
      startingAfter = last.id;
    }
  }

  private async retrieveMany<R extends Resource, T>(
    resource: R,
    ids: readonly string[],
    map: (item: ListItem<R>) => T,
  ): Promise<Array<T | null>> {
    const found = new Map(
      await Promise.all(
        unique(ids)
          .filter(isPlausibleId)
          .map(async (id) => [id, await this.retrieveOrNull(resource, id)] as const),
      ),
    );
    return ids.map((id) => {
      const item = found.get(id);
      return item ? map(item) : null;
    });
  }

  private async retrieveOrNull<R extends Resource>(resource: R, id: string): Promise<ListItem<R> | null> {
    try {
      return await this.client.retrieve(resource, id);
    } catch (error) {
      if (error instanceof ProviderError && error.code === ProviderErrorCode.NOT_FOUND) return null;
      throw error;
    }
  }
}
