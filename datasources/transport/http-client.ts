import { randomUUID } from 'node:crypto';
import qs from 'qs';
import { Pool, undiciErrors } from './undici-parts.js';
import type { z } from 'zod';
import { LARGE_ANSWER_BYTES, ownTurn } from './decode-turns.js';
import { ProviderError, ProviderErrorCode, codeForStatus, parseRetryAfter } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue =
  string | number | boolean | null | undefined | QueryValue[] | { [k: string]: QueryValue };

/** Defaults for one provider's connection pool and attempts. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Keep-alive connections per provider origin: enough for a batch fan-out, few enough to be polite. */
export const DEFAULT_CONNECTIONS = 16;
/** Idle keep-alive sockets are kept this long (providers close theirs after about a minute). */
export const DEFAULT_KEEP_ALIVE_MS = 30_000;

export interface ProviderRequest<T> {
  method: HttpMethod;
  /** Concrete path, e.g. `/v1/customers/cus_123`. */
  path: string;
  /** The route template for metrics and errors, e.g. `GET /v1/customers/{id}`. */
  endpoint: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  bodyEncoding?: 'json' | 'form';
  headers?: Record<string, string>;
  /** The shape of the 2xx body we rely on; anything else is a BAD_RESPONSE. */
  schema: z.ZodType<T>;
  /** Sent as `Idempotency-Key`; also what makes a POST safe to retry. */
  idempotencyKey?: string;
  /**
   * True for a POST that only reads (HubSpot batch read, search and association reads, PostHog
   * HogQL queries), so repeating it cannot change anything upstream and it may be retried.
   */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export interface ProviderResponse<T> {
  status: number;
  body: T;
  headers: Record<string, string>;
}

/** How a provider refines a failed response from its own error body and headers. */
export type ErrorClassifier = (
  status: number,
  body: unknown,
  headers: Record<string, string>,
) => Partial<{
  code: ProviderErrorCode;
  retryable: boolean;
  retryAfterMs: number;
  providerCode: string;
  details: Record<string, string>;
}>;

export interface UpstreamCall {
  provider: string;
  endpoint: string;
  status: number | null;
  durationMs: number;
  /** The account's API usage as the provider's answer reported it (see `readUsage`), when it did. */
  usage?: ApiUsage;
}

/** Calls the account has made in the provider's own accounting window, of how many it may make. */
export interface ApiUsage {
  used: number;
  allocation: number;
}

/**
 * What runs around each request: retries, deadline, circuit breaker, bulkhead. It calls `attempt`
 * once per try; the client itself only ever makes one attempt per call of `attempt`.
 */
export interface RequestPolicy {
  /**
   * Retries after the first attempt of a request safe to repeat; an adapter that makes a write
   * safe to repeat by itself (Salesforce's contact create) repeats it as often. Absent: the default.
   */
  readonly retryLimit?: number;
  run<T>(
    req: ProviderRequest<T>,
    attempt: (req: ProviderRequest<T>) => Promise<ProviderResponse<T>>,
  ): Promise<ProviderResponse<T>>;
}

export interface ProviderHttpClientOptions {
  provider: string;
  baseUrl: string;
  /** Headers that authenticate every request; called per request so rotated tokens apply at once. */
  authHeaders: () => Record<string, string> | Promise<Record<string, string>>;
  timeoutMs?: number;
  connections?: number;
  keepAliveMs?: number;
  classifyError?: ErrorClassifier;
  /** Told about every upstream call, for counters and metrics. */
  onCall?: (call: UpstreamCall) => void;
  /** Reads the account's API usage from an answer's headers (Salesforce's Sforce-Limit-Info), for `onCall`. */
  readUsage?: (headers: Readonly<Record<string, string>>) => ApiUsage | null;
  userAgent?: string;
  /** The provider's resilience policy; without one every request is a single attempt. */
  policy?: RequestPolicy;
}

/** The body as text, without a byte order mark (as undici's `text()`). */
function utf8Text(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bom = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  return buffer.toString('utf8', bom ? 3 : 0);
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * The one HTTP client every provider adapter uses: a keep-alive pool per provider origin, auth
 * headers, a per-attempt timeout, and every failure (network, status, malformed body) turned
 * into a ProviderError. Retries and circuit breaking wrap this client; they do not live in it.
 */
export class ProviderHttpClient {
  readonly provider: string;
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly options: ProviderHttpClientOptions;

  constructor(options: ProviderHttpClientOptions) {
    this.options = options;
    this.provider = options.provider;
    const url = new URL(options.baseUrl);
    this.basePath = url.pathname.replace(/\/$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? DEFAULT_CONNECTIONS,
      keepAliveTimeout: options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS,
      pipelining: 1,
    });
  }

  request<T>(req: ProviderRequest<T>): Promise<ProviderResponse<T>> {
    const { policy } = this.options;
    return policy ? policy.run(req, (r) => this.attempt(r)) : this.attempt(req);
  }

  /** One upstream call, reported to `onCall` whatever its outcome. */
  private async attempt<T>(req: ProviderRequest<T>): Promise<ProviderResponse<T>> {
    const started = performance.now();
    let status: number | null = null;
    let usage: ApiUsage | null = null;
    try {
      const response = await this.send(req);
      status = response.status;
      usage = this.options.readUsage?.(response.headers) ?? null;
      return response;
    } catch (error) {
      if (error instanceof ProviderError) status = error.status;
      throw error;
    } finally {
      this.options.onCall?.({
        provider: this.provider,
        endpoint: req.endpoint,
        status,
        durationMs: performance.now() - started,
        ...(usage ? { usage } : {}),
      });
    }
  }

  private async send<T>(req: ProviderRequest<T>): Promise<ProviderResponse<T>> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // A timer cleared once the answer is read, not AbortSignal.timeout: that one fires anyway when
    // its time comes, building a DOMException then, in the middle of whatever request runs 10 s later.
    const timer = new AbortController();
    const timeoutTimer = setTimeout(
      () => timer.abort(new DOMException('upstream call timed out', 'TimeoutError')),
      timeoutMs,
    );
    timeoutTimer.unref();
    const timeout = timer.signal;
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const search = req.query ? qs.stringify(req.query, { arrayFormat: 'brackets', skipNulls: true }) : '';
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.options.userAgent ?? 'concord',
      ...(await this.options.authHeaders()),
      ...req.headers,
    };
    let body: string | undefined;
    if (req.body !== undefined) {
      body =
        req.bodyEncoding === 'form'
          ? qs.stringify(req.body, { arrayFormat: 'brackets' })
          : JSON.stringify(req.body);
      headers['content-type'] =
        req.bodyEncoding === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
    }
    if (req.idempotencyKey) headers['idempotency-key'] = req.idempotencyKey;

    let status: number;
    let responseHeaders: Record<string, string>;
    let bytes: Uint8Array;
    try {
      const res = await this.pool.request({
        method: req.method,
        path: `${this.basePath}${req.path}${search ? `?${search}` : ''}`,
        headers,
        body,
        signal,
      });
      status = res.statusCode;
      responseHeaders = flattenHeaders(res.headers);
      bytes = await res.body.bytes();
    } catch (error) {
      throw this.networkError(req, error, timeout.aborted && !req.signal?.aborted);
    } finally {
      clearTimeout(timeoutTimer);
    }
    if (bytes.byteLength >= LARGE_ANSWER_BYTES) await ownTurn();
    const text = utf8Text(bytes);

    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch (cause) {
      if (status >= 200 && status < 300) throw this.badResponse(req, status, cause);
      json = undefined;
    }
    if (status < 200 || status >= 300) throw this.statusError(req, status, json, responseHeaders);

    const parsed = req.schema.safeParse(json);
    if (!parsed.success) throw this.badResponse(req, status, parsed.error);
    return { status, body: parsed.data, headers: responseHeaders };
  }

  private networkError(req: ProviderRequest<unknown>, cause: unknown, timedOut: boolean): ProviderError {
    const isTimeout =
      timedOut ||
      cause instanceof undiciErrors.HeadersTimeoutError ||
      cause instanceof undiciErrors.BodyTimeoutError;
    return new ProviderError({
      provider: this.provider,
      endpoint: req.endpoint,
      status: null,
      code: isTimeout ? ProviderErrorCode.TIMEOUT : ProviderErrorCode.UNAVAILABLE,
      retryable: true,
      cause,
    });
  }

  private badResponse(req: ProviderRequest<unknown>, status: number, cause: unknown): ProviderError {
    return new ProviderError({
      provider: this.provider,
      endpoint: req.endpoint,
      status,
      code: ProviderErrorCode.BAD_RESPONSE,
      retryable: false,
      cause,
    });
  }

  private statusError(
    req: ProviderRequest<unknown>,
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ): ProviderError {
    const base = codeForStatus(status);
    const refined = this.options.classifyError?.(status, body, headers) ?? {};
    const retryAfterMs = refined.retryAfterMs ?? parseRetryAfter(headers['retry-after']);
    return new ProviderError({
      provider: this.provider,
      endpoint: req.endpoint,
      status,
      code: refined.code ?? base.code,
      retryable: refined.retryable ?? base.retryable,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(refined.providerCode === undefined ? {} : { providerCode: refined.providerCode }),
      ...(refined.details === undefined ? {} : { details: refined.details }),
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** A fresh idempotency key for a write that has none from the client. */
export function newIdempotencyKey(): string {
  return randomUUID();
}
