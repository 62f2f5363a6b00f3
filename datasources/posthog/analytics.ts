import {
  UnsupportedPagingError,
  WriteRejectedError,
  type ActivitySummary,
  type AnalyticsEvent,
  type AnalyticsProvider,
  type CaptureInput,
  type Interval,
  type Page,
  type PageRequest,
  type WriteOptions,
} from '../model.js';
import { ProviderError, ProviderErrorCode } from '../transport/errors.js';
import { ProviderHttpClient, type RequestPolicy, type UpstreamCall } from '../transport/http-client.js';
import { bucketStarts } from '../buckets.js';
import {
  CAPTURE_ENDPOINT,
  classifyPostHogError,
  POSTHOG_LIMITS,
  PostHogCaptureClient,
  PostHogClient,
  QUERY_ENDPOINT,
} from './client.js';
import {
  ActivityRowSchema,
  BucketRowSchema,
  countsByBucket,
  eventUuid,
  EventRowSchema,
  formatPostHogDateTime,
  parsePostHogDateTime,
  summarizeActivity,
  toAnalyticsEvent,
  type ActivityRow,
  type EventRow,
} from './mapping.js';

export { classifyPostHogError, PostHogCaptureClient, PostHogClient, rowsToObjects } from './client.js';
export { eventUuid } from './mapping.js';

export const PROVIDER_NAME = 'posthog';
export const DEFAULT_BASE_URL = 'https://us.posthog.com';
/** PostHog Cloud US's ingestion host; EU projects use https://eu.i.posthog.com. */
export const DEFAULT_CAPTURE_URL = 'https://us.i.posthog.com';

/**
 * Capture needs the project token, which a read-only setup does not have: the write is refused
 * before any call, as a provider refusal that names what is missing.
 */
export class CaptureNotConfiguredError extends ProviderError {
  constructor() {
    super({
      provider: PROVIDER_NAME,
      endpoint: CAPTURE_ENDPOINT,
      status: null,
      code: ProviderErrorCode.REJECTED,
      retryable: false,
      providerCode: 'CAPTURE_NOT_CONFIGURED',
    });
    this.name = 'CaptureNotConfiguredError';
    this.message = 'PostHog event capture is not configured (it needs the project token, phc_…).';
  }
}

// ---- HogQL -----------------------------------------------------------------------------------------

// String placeholders are wrapped in toDateTime() so the instant is read with its own `Z`, not
// ClickHouse's implicit string comparison (which knows neither `T` nor a zone).
const IN_RANGE = 'timestamp >= toDateTime({since}) AND timestamp < toDateTime({until})';

/** LIMIT takes no placeholder; it is our own integer, checked before it enters the text. */
function limitClause(n: number): string {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`bad LIMIT ${n}`);
  return `LIMIT ${n}`;
}

export function activityQuery(limit: number): string {
  return [
    'SELECT distinct_id, event, toDate(timestamp) AS day, count() AS c, max(timestamp) AS last',
    `FROM events WHERE distinct_id IN {ids} AND ${IN_RANGE}`,
    'GROUP BY distinct_id, event, day',
    limitClause(limit),
  ].join(' ');
}

const BUCKET_FUNCTION: Record<Interval, string> = {
  HOUR: 'toStartOfHour',
  DAY: 'toStartOfDay',
  // toMonday, not toStartOfWeek: ISO weeks start on Monday whatever the project's week setting.
  WEEK: 'toMonday',
  MONTH: 'toStartOfMonth',
};

export function activeUsersQuery(interval: Interval, limit: number): string {
  return [
    `SELECT ${BUCKET_FUNCTION[interval]}(timestamp) AS bucket, count(DISTINCT distinct_id) AS n`,
    `FROM events WHERE ${IN_RANGE}`,
    'GROUP BY bucket ORDER BY bucket',
    limitClause(limit),
  ].join(' ');
}

export function eventsQuery(filter: { name: boolean; after: boolean }, limit: number): string {
  const where = ['distinct_id = {contactId}'];
  if (filter.name) where.push('event = {name}');
  // Keyset on (timestamp, uuid): stable under new events, and as cheap on page 100 as on page 1.
  if (filter.after)
    where.push('(timestamp < toDateTime({ts}) OR (timestamp = toDateTime({ts}) AND uuid < {uuid}))');
  return [
    'SELECT uuid, event, distinct_id, timestamp, properties FROM events',
    `WHERE ${where.join(' AND ')}`,
    'ORDER BY timestamp DESC, uuid DESC',
    limitClause(limit),
  ].join(' ');
}

export function eventsByIdQuery(limit: number): string {
  return `SELECT uuid, event, distinct_id, timestamp, properties FROM events WHERE uuid IN {ids} ${limitClause(limit)}`;
}

// ---- per-item cursors --------------------------------------------------------------------------------

/** Where an event sits in the newest-first order: its timestamp as PostHog wrote it, and its uuid. */
export interface EventPosition {
  ts: string;
  uuid: string;
}

const CURSOR_PREFIX = 'ph1:';

/** The timestamp is kept as PostHog's own text: its microseconds would not survive a JS Date. */
export function encodeEventCursor(position: EventPosition): string {
  return `${CURSOR_PREFIX}${position.ts}|${position.uuid}`;
}

/** The position in `cursor`, or null when it is not one of ours. */
export function decodeEventCursor(cursor: string): EventPosition | null {
  if (!cursor.startsWith(CURSOR_PREFIX)) return null;
  const [ts, uuid, ...rest] = cursor.slice(CURSOR_PREFIX.length).split('|');
  if (ts === undefined || uuid === undefined || rest.length > 0) return null;
  if (parsePostHogDateTime(ts) === null || !isUuid(uuid)) return null;
  return { ts, uuid };
}

// ---- helpers -------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;

function isUuid(text: string): boolean {
  return UUID.test(text);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function halves<T>(items: readonly T[]): [T[], T[]] {
  const mid = Math.ceil(items.length / 2);
  return [items.slice(0, mid), items.slice(mid)];
}

function rejected(message: string): ProviderError {
  return new ProviderError({
    provider: PROVIDER_NAME,
    endpoint: QUERY_ENDPOINT,
    status: null,
    code: ProviderErrorCode.REJECTED,
    retryable: false,
    cause: new Error(message),
  });
}

// ---- the adapter -----------------------------------------------------------------------------------------

export interface PostHogAnalyticsOptions {
  client: PostHogClient;
  /** The capture host with the project token; without it `captureEvent` is refused. */
  capture?: PostHogCaptureClient | null;
  /** Rows per query before an answer counts as cut (PostHog's 50,000; lower only in tests). */
  maxRows?: number;
  /** Largest page `listEvents` serves. */
  maxPageSize?: number;
}

/** PostHog as Concord's analytics provider: everything through the HogQL Query API. */
export class PostHogAnalytics implements AnalyticsProvider {
  readonly name = PROVIDER_NAME;
  private readonly client: PostHogClient;
  private readonly capture: PostHogCaptureClient | null;
  private readonly maxRows: number;
  private readonly maxPageSize: number;

  constructor(options: PostHogAnalyticsOptions) {
    this.client = options.client;
    this.capture = options.capture ?? null;
    this.maxRows = options.maxRows ?? POSTHOG_LIMITS.maxRows;
    this.maxPageSize = Math.min(options.maxPageSize ?? 1_000, POSTHOG_LIMITS.maxRows - 1);
  }

  /**
   * One query per 1,000 ids. A text that is no UUID is no event: it is answered null without asking,
   * since ClickHouse fails the whole query on a value it cannot read as a UUID.
   */
  async getEvents(ids: readonly string[]): Promise<Array<AnalyticsEvent | null>> {
    const wanted = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
    const rows = (
      await Promise.all(chunk(wanted, POSTHOG_LIMITS.idsPerQuery).map((part) => this.eventRows(part)))
    ).flat();
    const byId = new Map<string, AnalyticsEvent>();
    // Before a merge PostHog's events table can hold a duplicate row; any copy is the event.
    for (const row of rows)
      if (!byId.has(row.uuid.toLowerCase())) byId.set(row.uuid.toLowerCase(), toAnalyticsEvent(row));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  private async eventRows(ids: readonly string[]): Promise<EventRow[]> {
    const answer = await this.client.query(eventsByIdQuery(this.maxRows), { ids }, EventRowSchema);
    if (!answer.hasMore || ids.length < 2) return answer.rows;
    const [a, b] = halves(ids);
    return (await Promise.all([this.eventRows(a), this.eventRows(b)])).flat();
  }

  /** One query per 1,000 distinct ids; more only when an answer would have been cut. */
  async activityOfContacts(
    contactIds: readonly string[],
    since: Date,
    until: Date,
  ): Promise<ActivitySummary[]> {
    const unique = [...new Set(contactIds)];
    const rows =
      unique.length === 0 || !(since.getTime() < until.getTime())
        ? []
        : (
            await Promise.all(
              chunk(unique, POSTHOG_LIMITS.idsPerQuery).map((ids) => this.activityRows(ids, since, until)),
            )
          ).flat();
    return summarizeActivity(contactIds, since, until, rows);
  }

  /**
   * The grouped rows for `ids`, never cut: a full answer is split (ids in halves; a single id's
   * range in halves) and asked again. Splitting can repeat a (contact, event, day) group across
   * answers; summarizeActivity adds such repeats up correctly.
   */
  private async activityRows(ids: readonly string[], since: Date, until: Date): Promise<ActivityRow[]> {
    const values = { ids, since: formatPostHogDateTime(since), until: formatPostHogDateTime(until) };
    const answer = await this.client.query(activityQuery(this.maxRows), values, ActivityRowSchema);
    if (!answer.hasMore) return answer.rows;
    if (ids.length > 1) {
      const [a, b] = halves(ids);
      const parts = await Promise.all([
        this.activityRows(a, since, until),
        this.activityRows(b, since, until),
      ]);
      return parts.flat();
    }
    const span = until.getTime() - since.getTime();
    if (span < 2) throw rejected('one contact has more activity groups than a query may return');
    const mid = new Date(since.getTime() + Math.floor(span / 2));
    const parts = await Promise.all([this.activityRows(ids, since, mid), this.activityRows(ids, mid, until)]);
    return parts.flat();
  }

  /**
   * One query per page, newest first, keyset-paged on (timestamp, uuid). Every item's cursor resumes
   * right after it. totalCount is null: knowing it would take a second (count) query per page.
   */
  async listEvents(
    page: PageRequest,
    filter: { contactId: string; name?: string },
  ): Promise<Page<AnalyticsEvent>> {
    if (page.before !== undefined && page.before !== null)
      throw new UnsupportedPagingError('PostHog events page forward only (newest first): use first/after');
    const size = Math.min(Math.max(1, Math.floor(page.limit)), this.maxPageSize);
    const after = page.after === undefined || page.after === null ? null : decodeEventCursor(page.after);
    if (page.after !== undefined && page.after !== null && !after)
      throw rejected('not a PostHog events cursor');

    const values: Record<string, string> = { contactId: filter.contactId };
    if (filter.name !== undefined) values.name = filter.name;
    if (after) Object.assign(values, after);
    const query = eventsQuery({ name: filter.name !== undefined, after: after !== null }, size + 1);
    const { rows } = await this.client.query(query, values, EventRowSchema);

    const taken: EventRow[] = rows.slice(0, size);
    const cursors = taken.map((row) => encodeEventCursor({ ts: row.timestamp, uuid: row.uuid }));
    return {
      items: taken.map(toAnalyticsEvent),
      nextCursor: rows.length > size ? (cursors.at(-1) ?? null) : null,
      previousCursor: null,
      cursors,
      totalCount: null,
    };
  }

  /** One query; every bucket in range comes back, empty ones with 0, on the shared UTC alignment. */
  async activeUsersByBucket(
    since: Date,
    until: Date,
    interval: Interval,
  ): Promise<Array<{ start: Date; count: number }>> {
    const starts = bucketStarts(since, until, interval);
    if (starts.length === 0) return [];
    return countsByBucket(starts, await this.bucketRows(starts, since, until, interval));
  }

  /** More buckets than one answer holds: split on a bucket boundary, so no bucket is counted twice. */
  private async bucketRows(
    starts: readonly Date[],
    since: Date,
    until: Date,
    interval: Interval,
  ): Promise<Array<{ bucket: string; n: number }>> {
    const values = { since: formatPostHogDateTime(since), until: formatPostHogDateTime(until) };
    const answer = await this.client.query(activeUsersQuery(interval, this.maxRows), values, BucketRowSchema);
    if (!answer.hasMore) return answer.rows;
    const [first, second] = halves(starts);
    const boundary = second[0];
    if (!boundary) throw rejected('a single bucket cannot be cut');
    const parts = await Promise.all([
      this.bucketRows(first, since, boundary, interval),
      this.bucketRows(second, boundary, until, interval),
    ]);
    return parts.flat();
  }

  /**
   * The uuid comes from the idempotency key, so every retry (the policy's or the caller's) sends the
   * same event and PostHog keeps it once.
   */
  async captureEvent(input: CaptureInput, options: WriteOptions): Promise<{ id: string }> {
    if (!this.capture) throw new CaptureNotConfiguredError();
    if (input.name.trim() === '')
      throw new WriteRejectedError('INVALID', 'An event name is required.', 'name');
    if (input.contactId.trim() === '') {
      throw new WriteRejectedError('INVALID', 'A contact id is required.', 'contactId');
    }
    const uuid = eventUuid(options.idempotencyKey);
    try {
      await this.capture.capture({
        event: input.name,
        distinctId: input.contactId,
        properties: input.properties,
        timestamp: input.occurredAt,
        uuid,
      });
    } catch (error) {
      // A 400 from capture is about the event itself; 401 (our token) and outages stay provider errors.
      if (error instanceof ProviderError && error.status === 400) {
        throw new WriteRejectedError('INVALID', 'The analytics provider refused the event.');
      }
      throw error;
    }
    return { id: uuid };
  }

  async close(): Promise<void> {
    await Promise.all([this.client.close(), this.capture?.close()]);
  }
}

export interface CreatePostHogAnalyticsOptions {
  /** The private API host (`https://us.posthog.com`, `https://eu.posthog.com` or self-hosted). */
  baseUrl?: string;
  /** A personal API key (`phx_…`) with `query:read`; a function is asked per request, so rotations apply at once. */
  apiKey: string | (() => string | Promise<string>);
  projectId: string | number;
  timeoutMs?: number;
  connections?: number;
  onCall?: (call: UpstreamCall) => void;
  maxRows?: number;
  /** Retries, deadline, circuit breaker and bulkhead around every request. */
  policy?: RequestPolicy;
  /**
   * Where events are sent: the ingestion host (default https://us.i.posthog.com) and the project
   * token (`phc_…`). Without it the adapter only reads.
   */
  capture?: { baseUrl?: string; projectToken: string } | null;
}

export function createPostHogAnalytics(options: CreatePostHogAnalyticsOptions): PostHogAnalytics {
  const { apiKey } = options;
  const http = new ProviderHttpClient({
    provider: PROVIDER_NAME,
    baseUrl: options.baseUrl ?? DEFAULT_BASE_URL,
    authHeaders: async () => ({
      authorization: `Bearer ${typeof apiKey === 'string' ? apiKey : await apiKey()}`,
    }),
    classifyError: classifyPostHogError,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.connections === undefined ? {} : { connections: options.connections }),
    ...(options.onCall === undefined ? {} : { onCall: options.onCall }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  });
  const { capture } = options;
  const captureHttp = capture
    ? new ProviderHttpClient({
        provider: PROVIDER_NAME,
        baseUrl: capture.baseUrl ?? DEFAULT_CAPTURE_URL,
        // The project token travels in the body; the personal key must never go to the public host.
        authHeaders: () => ({}),
        classifyError: classifyPostHogError,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.connections === undefined ? {} : { connections: options.connections }),
        ...(options.onCall === undefined ? {} : { onCall: options.onCall }),
        ...(options.policy === undefined ? {} : { policy: options.policy }),
      })
    : null;
  return new PostHogAnalytics({
    client: new PostHogClient(http, String(options.projectId)),
    capture: captureHttp && capture ? new PostHogCaptureClient(captureHttp, capture.projectToken) : null,
    ...(options.maxRows === undefined ? {} : { maxRows: options.maxRows }),
  });
}
