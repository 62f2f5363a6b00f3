import { z } from 'zod';
import { ProviderErrorCode } from '../transport/errors.js';
import type { ErrorClassifier, ProviderHttpClient } from '../transport/http-client.js';

/** PostHog's own Query API limits (FACTS §3). */
export const POSTHOG_LIMITS = {
  /** Rows one HogQL query may return with an explicit LIMIT. */
  maxRows: 50_000,
  /** Ids per `IN {ids}` list: PostHog's bulk endpoints stop at 1000, and a query body stays small. */
  idsPerQuery: 1_000,
} as const;

export const QUERY_ENDPOINT = 'POST /api/projects/{project_id}/query/';

/** What a `{placeholder}` may hold: a scalar, or a list for `IN {placeholder}`. */
export type QueryValue = string | number | boolean | null | ReadonlyArray<string | number>;
export type QueryValues = Record<string, QueryValue>;

export interface QueryResult<R> {
  rows: R[];
  /** PostHog cut the answer at the query's LIMIT. */
  hasMore: boolean;
}

// ---- response ------------------------------------------------------------------------------------

/** `HogQLQueryResponse`: only `results` is required by PostHog's schema, but we read rows by `columns`. */
const HogQLResponseSchema = z
  .object({
    results: z.array(z.array(z.unknown())),
    columns: z.array(z.string()),
    hasMore: z.boolean().nullish(),
  })
  .refine((r) => r.results.every((row) => row.length === r.columns.length), {
    message: 'a row does not have one value per column',
  });

/** Rows (arrays in `columns` order) as objects keyed by column name. */
export function rowsToObjects(
  columns: readonly string[],
  results: readonly (readonly unknown[])[],
): Array<Record<string, unknown>> {
  return results.map((row) => Object.fromEntries(columns.map((name, i) => [name, row[i]])));
}

/** The response schema for one query: the envelope, then each row checked as the shape we selected. */
function querySchema<R>(row: z.ZodType<R>): z.ZodType<QueryResult<R>> {
  return HogQLResponseSchema.transform((r): { rows: unknown[]; hasMore: boolean } => ({
    rows: rowsToObjects(r.columns, r.results),
    hasMore: r.hasMore ?? false,
  })).pipe(z.object({ rows: z.array(row), hasMore: z.boolean() }));
}

// ---- errors ----------------------------------------------------------------------------------------

/** drf-exceptions-hog's body: `{type, code, detail, attr}`. */
const PostHogErrorBody = z.object({
  type: z.string(),
  code: z.string().optional(),
  detail: z.string().optional(),
  attr: z.string().nullish(),
});

/** "Request was throttled. Expected available in 59 seconds." : DRF's hint when Retry-After is missing. */
function retryHintMs(detail: string | undefined): number | undefined {
  const seconds = detail && /available in (\d+) seconds?/i.exec(detail)?.[1];
  return seconds ? Number(seconds) * 1000 : undefined;
}

/** PostHog's error types refine the status; a retry-after from the header wins over the text hint. */
export const classifyPostHogError: ErrorClassifier = (_status, body, headers) => {
  const parsed = PostHogErrorBody.safeParse(body);
  if (!parsed.success) return {};
  const { type, code, detail } = parsed.data;
  const providerCode = code === undefined ? type : `${type}:${code}`;
  switch (type) {
    case 'throttled_error': {
      const hint = headers['retry-after'] === undefined ? retryHintMs(detail) : undefined;
      return {
        code: ProviderErrorCode.RATE_LIMITED,
        retryable: true,
        providerCode,
        ...(hint === undefined ? {} : { retryAfterMs: hint }),
      };
    }
    case 'authentication_error':
      return { code: ProviderErrorCode.UNAUTHORIZED, retryable: false, providerCode };
    case 'server_error':
      return { code: ProviderErrorCode.UNAVAILABLE, retryable: true, providerCode };
    default:
      return { providerCode };
  }
};

// ---- client ----------------------------------------------------------------------------------------

/** The Query API of one PostHog project, over the shared transport. */
export class PostHogClient {
  constructor(
    private readonly http: ProviderHttpClient,
    private readonly projectId: string,
  ) {}

  /**
   * Runs one HogQL query. Every value goes in `values` for a `{placeholder}`, never into the text:
   * PostHog substitutes them as constants, so a quote in a value cannot change the query.
   */
  async query<R>(
    hogql: string,
    values: QueryValues,
    row: z.ZodType<R>,
    signal?: AbortSignal,
  ): Promise<QueryResult<R>> {
    const response = await this.http.request({
      method: 'POST',
      path: `/api/projects/${encodeURIComponent(this.projectId)}/query/`,
      endpoint: QUERY_ENDPOINT,
      body: { query: { kind: 'HogQLQuery', query: hogql, values } },
      schema: querySchema(row),
      // A HogQL query only reads, so repeating it is safe.
      idempotent: true,
      ...(signal === undefined ? {} : { signal }),
    });
    return response.body;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

// ---- capture ---------------------------------------------------------------------------------------

export const CAPTURE_ENDPOINT = 'POST /i/v0/e/';

/** One event as the public capture endpoint takes it. */
export interface CaptureRequest {
  event: string;
  distinctId: string;
  properties: Record<string, unknown>;
  /** When it happened; absent means PostHog stamps the time it arrives. */
  timestamp: Date | null;
  /** PostHog drops a second event with the same uuid, so a repeat of this request is harmless. */
  uuid: string;
}

/** A 2xx is acceptance (`{"status": 1}`, or `"Ok"` from newer hosts); nothing in it is read. */
const CaptureAnswer = z.unknown();

/**
 * The capture host of one project. It is not the private API: it takes the public project token in
 * the body and no Authorization header, and usually lives on another host (`us.i.posthog.com`).
 */
export class PostHogCaptureClient {
  constructor(
    private readonly http: ProviderHttpClient,
    private readonly projectToken: string,
  ) {}

  async capture(request: CaptureRequest): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: '/i/v0/e/',
      endpoint: CAPTURE_ENDPOINT,
      body: {
        api_key: this.projectToken,
        event: request.event,
        distinct_id: request.distinctId,
        properties: request.properties,
        ...(request.timestamp === null ? {} : { timestamp: request.timestamp.toISOString() }),
        uuid: request.uuid,
      },
      schema: CaptureAnswer,
      idempotent: true,
    });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
