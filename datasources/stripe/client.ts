import { z } from 'zod';
import { ProviderErrorCode } from '../transport/errors.js';
import {
  ProviderHttpClient,
  type ErrorClassifier,
  type QueryValue,
  type RequestPolicy,
  type UpstreamCall,
} from '../transport/http-client.js';

/** Stripe v1 over the shared transport: endpoints, the fields we read, search queries, error reading. */

export const STRIPE_PROVIDER = 'stripe';
/** Stripe's largest page for lists and searches. */
export const MAX_PAGE_SIZE = 100;
/** Clauses one search query may hold (documented limit). */
export const MAX_SEARCH_CLAUSES = 10;
/** Characters one search query may hold (documented limit). */
export const MAX_SEARCH_QUERY_LENGTH = 5000;

// ---- schemas: exactly the fields the mapping reads -------------------------------------------

const unixSeconds = z.number().int();
const minorUnits = z.number().int();
/** A related object: its id, or the object itself when expanded. */
const related = z.union([z.string(), z.object({ id: z.string() })]);

export const ChargeSchema = z.object({
  id: z.string(),
  object: z.literal('charge'),
  amount: minorUnits,
  amount_captured: minorUnits.optional(),
  amount_refunded: minorUnits,
  currency: z.string(),
  status: z.string(),
  created: unixSeconds,
  customer: related.nullable(),
  description: z.string().nullable(),
  failure_code: z.string().nullable(),
  failure_message: z.string().nullable(),
  livemode: z.boolean().optional(),
  payment_method_details: z
    .object({
      card: z
        .object({
          brand: z.string().nullish(),
          last4: z.string().nullish(),
          exp_month: z.number().int().nullish(),
          exp_year: z.number().int().nullish(),
          country: z.string().nullish(),
        })
        .nullish(),
    })
    .nullish(),
});
export type StripeCharge = z.infer<typeof ChargeSchema>;

export const CustomerSchema = z.object({
  id: z.string(),
  object: z.literal('customer'),
  created: unixSeconds,
  currency: z.string().nullish(),
  livemode: z.boolean().optional(),
  metadata: z.record(z.string(), z.string()).nullish(),
});
export type StripeCustomer = z.infer<typeof CustomerSchema>;

export const InvoiceSchema = z.object({
  id: z.string(),
  object: z.literal('invoice'),
  customer: related.nullable(),
  /** Before API version 2025-03-31 the subscription sat here; now it is under `parent`. */
  subscription: related.nullish(),
  parent: z
    .object({
      subscription_details: z.object({ subscription: related.nullish() }).nullish(),
    })
    .nullish(),
  number: z.string().nullable(),
  status: z.string().nullable(),
  amount_due: minorUnits,
  amount_paid: minorUnits,
  currency: z.string(),
  period_start: unixSeconds.nullish(),
  period_end: unixSeconds.nullish(),
  due_date: unixSeconds.nullable(),
  created: unixSeconds,
  livemode: z.boolean().optional(),
});
export type StripeInvoice = z.infer<typeof InvoiceSchema>;

const SubscriptionItemSchema = z.object({
  quantity: z.number().int().nullish(),
  current_period_start: unixSeconds.nullish(),
  current_period_end: unixSeconds.nullish(),
  price: z.object({
    nickname: z.string().nullable(),
    unit_amount: minorUnits.nullable(),
    currency: z.string(),
    recurring: z.object({ interval: z.string(), interval_count: z.number().int() }).nullable(),
  }),
});
export type StripeSubscriptionItem = z.infer<typeof SubscriptionItemSchema>;

export const SubscriptionSchema = z.object({
  id: z.string(),
  object: z.literal('subscription'),
  customer: related,
  status: z.string(),
  created: unixSeconds,
  canceled_at: unixSeconds.nullable(),
  livemode: z.boolean().optional(),
  /** Older API versions kept the period on the subscription; current ones keep it on the items. */
  current_period_start: unixSeconds.nullish(),
  current_period_end: unixSeconds.nullish(),
  items: z.object({ data: z.array(SubscriptionItemSchema) }),
});
export type StripeSubscription = z.infer<typeof SubscriptionSchema>;

/** A refund created with `expand[]=charge`: the charge as it stands after the refund. */
export const RefundSchema = z.object({
  id: z.string(),
  object: z.literal('refund'),
  amount: minorUnits,
  charge: ChargeSchema,
});
export type StripeRefund = z.infer<typeof RefundSchema>;

export function listSchema<T extends z.ZodType>(item: T) {
  return z.object({ object: z.literal('list'), data: z.array(item), has_more: z.boolean() });
}
export interface StripeList<T> {
  data: T[];
  has_more: boolean;
}

export function searchSchema<T extends z.ZodType>(item: T) {
  return z.object({
    object: z.literal('search_result'),
    data: z.array(item),
    has_more: z.boolean(),
    next_page: z.string().nullable(),
    total_count: z.number().int().optional(),
  });
}
export interface StripeSearchResult<T> {
  data: T[];
  has_more: boolean;
  next_page: string | null;
  total_count?: number | undefined;
}

// ---- search queries ----------------------------------------------------------------------------

/**
 * A quoted search value. Inside quotes only the quote and the backslash are special, so escaping
 * both keeps any value a single literal: `x' OR status:'failed` cannot add a clause.
 */
export function quoteSearchValue(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** `field:'value'` for one of our own field names (never user input). */
export function exactClause(field: string, value: string): string {
  return `${field}:${quoteSearchValue(value)}`;
}

/** `metadata['key']:'value'`. */
export function metadataClause(key: string, value: string): string {
  return `metadata[${quoteSearchValue(key)}]:${quoteSearchValue(value)}`;
}

export const anyOf = (clauses: readonly string[]): string => clauses.join(' OR ');
export const allOf = (clauses: readonly string[]): string => clauses.join(' AND ');

/**
 * Splits values into OR queries of at most 10 clauses and 5000 characters each (Stripe refuses
 * more, and AND/OR cannot be mixed, so an OR query is all one query can batch).
 */
export function orQueries<V>(
  values: readonly V[],
  toClause: (value: V) => string,
  limits = { clauses: MAX_SEARCH_CLAUSES, length: MAX_SEARCH_QUERY_LENGTH },
): Array<{ values: V[]; query: string }> {
  const out: Array<{ values: V[]; query: string }> = [];
  let current: { values: V[]; clauses: string[]; length: number } = { values: [], clauses: [], length: 0 };
  const flush = (): void => {
    if (current.values.length > 0) out.push({ values: current.values, query: anyOf(current.clauses) });
    current = { values: [], clauses: [], length: 0 };
  };
  for (const value of values) {
    const clause = toClause(value);
    const added = (current.clauses.length > 0 ? ' OR '.length : 0) + clause.length;
    if (current.clauses.length >= limits.clauses || current.length + added > limits.length) flush();
    if (clause.length > limits.length) {
      throw new RangeError(`a search clause of ${clause.length} characters exceeds Stripe's query limit`);
    }
    current.values.push(value);
    current.length += (current.clauses.length > 0 ? ' OR '.length : 0) + clause.length;
    current.clauses.push(clause);
  }
  flush();
  return out;
}

// ---- errors ------------------------------------------------------------------------------------

const ErrorBodySchema = z.object({
  error: z.object({
    type: z.string().optional(),
    code: z.string().optional(),
    /** The request parameter at fault (`amount`, `email`, `charge`). */
    param: z.string().optional(),
  }),
});

function shouldRetryHeader(headers: Record<string, string>): boolean | undefined {
  const value = headers['stripe-should-retry']?.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** Stripe's rate limits are per second (FACTS §1): a rate-limited call is not repeated sooner. */
export const STRIPE_RATE_WINDOW_MS = 1_000;

/**
 * Reads Stripe's error body and headers. `Stripe-Should-Retry` is Stripe's own verdict and wins
 * over our status-based guess; the message is never kept, since it can echo request data. A 429
 * without the header is a rate limit (lock timeouts carry `true`), which Stripe's libraries never
 * repeat at once: here it is repeated only after a whole window, the wait the quota also pauses
 * for, and only if that fits the request's deadline (otherwise PROVIDER_RATE_LIMITED with the wait).
 */
export const classifyStripeError: ErrorClassifier = (status, body, headers) => {
  const parsed = ErrorBodySchema.safeParse(body);
  const code = parsed.success ? parsed.data.error.code : undefined;
  const type = parsed.success ? parsed.data.error.type : undefined;
  const providerCode = code ?? type;
  const shouldRetry = shouldRetryHeader(headers);
  const refined: ReturnType<ErrorClassifier> = {};
  if (providerCode !== undefined) refined.providerCode = providerCode;
  if (status === 429 || (status === 400 && code === 'rate_limit')) {
    refined.code = ProviderErrorCode.RATE_LIMITED;
    refined.retryable = true;
    if (shouldRetry === undefined) refined.retryAfterMs = STRIPE_RATE_WINDOW_MS;
  } else if (status === 404) {
    // A 404 without resource_missing is an unknown route: our bug, not a missing object.
    refined.code = code === 'resource_missing' ? ProviderErrorCode.NOT_FOUND : ProviderErrorCode.REJECTED;
  } else if (status === 401 || status === 403) {
    refined.code = ProviderErrorCode.UNAUTHORIZED;
  }
  if (shouldRetry !== undefined) refined.retryable = shouldRetry;
  // A 400 is Stripe refusing what was sent: which parameter, and of what kind, is what a write maps.
  if (status === 400 && refined.code === undefined && parsed.success) {
    const { param } = parsed.data.error;
    refined.details = {
      ...(type === undefined ? {} : { type }),
      ...(param === undefined ? {} : { param }),
    };
  }
  return refined;
};

// ---- the client --------------------------------------------------------------------------------

export interface StripeClientOptions {
  baseUrl: string;
  secretKey: string;
  /** Sent as `Stripe-Version` on every request, so the account's default version never applies. */
  apiVersion: string;
  timeoutMs?: number;
  connections?: number;
  onCall?: (call: UpstreamCall) => void;
  /** Retries, deadline, circuit breaker and bulkhead around every request. */
  policy?: RequestPolicy;
}

export interface ListParams {
  limit?: number;
  starting_after?: string;
  ending_before?: string;
  customer?: string;
  created?: { gt?: number; gte?: number; lt?: number; lte?: number };
  /** Subscriptions only: without it Stripe leaves canceled ones out. */
  status?: string;
}

export interface SearchParams {
  query: string;
  limit?: number;
  page?: string | null;
  /** Ask for `total_count` (Stripe adds it only when expanded). */
  totalCount?: boolean;
}

export type Resource = 'charges' | 'customers' | 'invoices' | 'subscriptions';

interface Resources {
  charges: StripeCharge;
  customers: StripeCustomer;
  invoices: StripeInvoice;
  subscriptions: StripeSubscription;
}
/** The parsed object a resource's endpoints answer with. */
export type ItemOf<R extends Resource> = Resources[R];

const schemas: { [R in Resource]: z.ZodType<Resources[R]> } = {
  charges: ChargeSchema,
  customers: CustomerSchema,
  invoices: InvoiceSchema,
  subscriptions: SubscriptionSchema,
};
const listSchemas: { [R in Resource]: z.ZodType<StripeList<Resources[R]>> } = {
  charges: listSchema(ChargeSchema),
  customers: listSchema(CustomerSchema),
  invoices: listSchema(InvoiceSchema),
  subscriptions: listSchema(SubscriptionSchema),
};
const searchSchemas: { [R in Resource]: z.ZodType<StripeSearchResult<Resources[R]>> } = {
  charges: searchSchema(ChargeSchema),
  customers: searchSchema(CustomerSchema),
  invoices: searchSchema(InvoiceSchema),
  subscriptions: searchSchema(SubscriptionSchema),
};

/** Whether a key is a live-mode key (`sk_live_`, `rk_live_`); everything else is test mode. */
export function isLiveKey(secretKey: string): boolean {
  return /^[a-z]+_live_/.test(secretKey);
}

function toQuery(params: object): Record<string, QueryValue> {
  const query: Record<string, QueryValue> = {};
  for (const [k, v] of Object.entries(params) as Array<[string, QueryValue]>)
    if (v !== undefined) query[k] = v;
  return query;
}

export class StripeClient {
  readonly livemode: boolean;
  private readonly http: ProviderHttpClient;
  private readonly headers: Record<string, string>;

  constructor(options: StripeClientOptions) {
    this.livemode = isLiveKey(options.secretKey);
    this.headers = { 'stripe-version': options.apiVersion };
    const authorization = `Bearer ${options.secretKey}`;
    this.http = new ProviderHttpClient({
      provider: STRIPE_PROVIDER,
      baseUrl: options.baseUrl,
      authHeaders: () => ({ authorization }),
      classifyError: classifyStripeError,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.connections === undefined ? {} : { connections: options.connections }),
      ...(options.onCall === undefined ? {} : { onCall: options.onCall }),
      ...(options.policy === undefined ? {} : { policy: options.policy }),
    });
  }

  /** `GET /v1/{resource}`: one page, newest first. */
  async list<R extends Resource>(resource: R, params: ListParams): Promise<StripeList<ItemOf<R>>> {
    const res = await this.http.request({
      method: 'GET',
      path: `/v1/${resource}`,
      endpoint: `GET /v1/${resource}`,
      query: toQuery(params),
      headers: this.headers,
      schema: listSchemas[resource],
    });
    return res.body;
  }

  /** `GET /v1/{resource}/search`: one page of a search; `next_page` continues it. */
  async search<R extends Resource>(
    resource: R,
    params: SearchParams,
  ): Promise<StripeSearchResult<ItemOf<R>>> {
    const res = await this.http.request({
      method: 'GET',
      path: `/v1/${resource}/search`,
      endpoint: `GET /v1/${resource}/search`,
      query: toQuery({
        query: params.query,
        limit: params.limit,
        page: params.page ?? undefined,
        expand: params.totalCount ? ['total_count'] : undefined,
      }),
      headers: this.headers,
      schema: searchSchemas[resource],
    });
    return res.body;
  }

  /** `GET /v1/{resource}/{id}`; a ProviderError NOT_FOUND when Stripe has no such object. */
  async retrieve<R extends Resource>(resource: R, id: string): Promise<ItemOf<R>> {
    const res = await this.http.request({
      method: 'GET',
      path: `/v1/${resource}/${encodeURIComponent(id)}`,
      endpoint: `GET /v1/${resource}/{id}`,
      headers: this.headers,
      schema: schemas[resource],
    });
    return res.body;
  }

  /**
   * A form-encoded write. The idempotency key makes Stripe answer a repeat with the first answer,
   * which is also what lets the policy retry it after a timeout or a 5xx.
   */
  async post<T>(
    path: string,
    endpoint: string,
    body: Record<string, QueryValue>,
    schema: z.ZodType<T>,
    idempotencyKey: string,
  ): Promise<T> {
    const res = await this.http.request({
      method: 'POST',
      path,
      endpoint,
      body,
      bodyEncoding: 'form',
      headers: this.headers,
      schema,
      idempotencyKey,
    });
    return res.body;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
