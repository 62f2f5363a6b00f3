import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_SANDBOX_CREDENTIALS, type SimulatorContext } from '../../../sandbox/context.js';
import type { Dataset, EventTable } from '../../../sandbox/data/dataset.js';
import { eventUuid, generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import { createPostHogProtocol, POSTHOG_PROJECT_TOKEN, SITE_ORIGIN } from '../../../sandbox/posthog/index.js';

const DAY = 86_400_000;
const ANCHOR = Date.UTC(2026, 10, 24);
const KEY = DEFAULT_SANDBOX_CREDENTIALS.posthogApiKey;
const PROJECT = DEFAULT_SANDBOX_CREDENTIALS.posthogProjectId;

interface QueryResponse {
  results: unknown[][];
  columns: string[];
  types: [string, string][];
  hasMore: boolean;
  limit: number;
  offset: number;
  hogql: string;
  is_cached: boolean;
  timezone: string;
}

interface ErrorBody {
  type: string;
  code: string;
  detail: string;
  attr: string | null;
}

let dataset: Dataset;
let events: EventTable;
let server: SimulatorServer;
let knobs: KnobBoard;

/** distinct_id of an event row, straight from the data set. */
const distinctIdOf = (row: number): string => dataset.contacts[events.person[row] as number]?.crmId ?? '';
const nameOf = (row: number): string => events.names[events.name[row] as number] ?? '';
const ts = (row: number): number => events.timestamp[row] as number;
/** PostHog's datetime text in query results: ISO with microseconds when non-zero, `Z` for UTC. */
const isoZ = (ms: number): string => {
  const text = new Date(ms).toISOString();
  return ms % 1000 === 0 ? `${text.slice(0, 19)}Z` : `${text.slice(0, 23)}000Z`;
};
const sqlList = (ids: string[]): string => ids.map((id) => `'${id}'`).join(', ');

async function start(): Promise<{ server: SimulatorServer; knobs: KnobBoard }> {
  const ctx: SimulatorContext = { dataset, credentials: DEFAULT_SANDBOX_CREDENTIALS };
  const board = new KnobBoard();
  const started = await serveSimulator({
    protocol: createPostHogProtocol(ctx),
    knobs: board,
    counters: new RequestCounters(),
  });
  return { server: started, knobs: board };
}

async function call(path: string, init: RequestInit = {}, base = server.url): Promise<Response> {
  return fetch(path.startsWith('http') ? path : `${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...init.headers },
  });
}

async function hogql(
  query: string,
  values?: Record<string, unknown>,
): Promise<{ status: number; body: QueryResponse & ErrorBody }> {
  const res = await call(`/api/projects/${PROJECT}/query/`, {
    method: 'POST',
    body: JSON.stringify({ query: { kind: 'HogQLQuery', query, ...(values ? { values } : {}) } }),
  });
  return { status: res.status, body: (await res.json()) as QueryResponse & ErrorBody };
}

async function ok(query: string, values?: Record<string, unknown>): Promise<QueryResponse> {
  const { status, body } = await hogql(query, values);
  if (status !== 200) throw new Error(`${status} ${JSON.stringify(body)}`);
  return body;
}

/** Rows of the event table whose time lies in [from, to). */
function rowsBetween(from: number, to: number): number[] {
  const rows: number[] = [];
  for (let row = 0; row < events.count; row++) if (ts(row) >= from && ts(row) < to) rows.push(row);
  return rows;
}

/** Active people (with events in the window) to query about. */
function activeDistinctIds(count: number, from: number, to: number): string[] {
  const seen = new Set<string>();
  for (const row of rowsBetween(from, to)) seen.add(distinctIdOf(row));
  return [...seen].sort().slice(0, count);
}

beforeAll(async () => {
  dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: ANCHOR });
  events = dataset.events;
  ({ server, knobs } = await start());
});

afterAll(async () => {
  await server.close();
});

describe("PostHog Query API: the gateway's four query shapes", () => {
  const from = Date.UTC(2026, 9, 1);
  const to = Date.UTC(2026, 10, 1);
  const range = `timestamp >= toDateTime('2026-10-01T00:00:00Z') AND timestamp < toDateTime('2026-11-01T00:00:00Z')`;

  it('1: per-person activity summary equals the data set', async () => {
    const ids = activeDistinctIds(50, from, to);
    const body = await ok(
      `SELECT distinct_id, count() AS events, count(DISTINCT toDate(timestamp)) AS active_days, max(timestamp) AS last_seen ` +
        `FROM events WHERE distinct_id IN (${sqlList(ids)}) AND ${range} GROUP BY distinct_id`,
    );
    const expected = new Map<string, { events: number; days: Set<number>; last: number }>();
    for (const row of rowsBetween(from, to)) {
      const id = distinctIdOf(row);
      if (!ids.includes(id)) continue;
      const entry = expected.get(id) ?? { events: 0, days: new Set<number>(), last: -Infinity };
      entry.events++;
      entry.days.add(Math.floor(ts(row) / DAY));
      entry.last = Math.max(entry.last, ts(row));
      expected.set(id, entry);
    }
    expect(body.columns).toEqual(['distinct_id', 'events', 'active_days', 'last_seen']);
    expect(body.types.map((t) => t[0])).toEqual(body.columns);
    expect(body).toMatchObject({ hasMore: false, limit: 100, offset: 0, is_cached: false, timezone: 'UTC' });
    const sorted = [...body.results].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(sorted).toEqual(
      [...expected.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, e]) => [id, e.events, e.days.size, isoZ(e.last)]),
    );
    expect(sorted).toHaveLength(50);
  });

  it('2: counts per person and event, ordered by count descending', async () => {
    const ids = activeDistinctIds(20, from, to);
    const body = await ok(
      `SELECT distinct_id, event, count() AS c FROM events WHERE distinct_id IN (${sqlList(ids)}) ` +
        `AND timestamp >= toDateTime('2026-10-01T00:00:00Z') GROUP BY distinct_id, event ORDER BY c DESC`,
    );
    const counts = new Map<string, number>();
    for (const row of rowsBetween(from, ANCHOR + 1)) {
      if (!ids.includes(distinctIdOf(row))) continue;
      const key = `${distinctIdOf(row)}|${nameOf(row)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const got = body.results.map((r) => r[2] as number);
    expect(got).toEqual([...got].sort((a, b) => b - a));
    const asKeys = (rows: [string, number][]): string[] => rows.map(([k, c]) => `${k}=${c}`).sort();
    expect(asKeys(body.results.map((r) => [`${String(r[0])}|${String(r[1])}`, r[2] as number]))).toEqual(
      asKeys([...counts.entries()]),
    );
  });

  it("3: keyset pages of one person's pageviews cover every row once, newest first", async () => {
    const counts = new Map<string, number>();
    for (let row = 0; row < events.count; row++) {
      if (nameOf(row) === '$pageview')
        counts.set(distinctIdOf(row), (counts.get(distinctIdOf(row)) ?? 0) + 1);
    }
    const [person] = [...counts.entries()].filter(([, n]) => n > 45 && n < 200).map(([id]) => id);
    expect(person).toBeDefined();
    const expected: string[][] = [];
    for (let row = 0; row < events.count; row++) {
      if (distinctIdOf(row) === person && nameOf(row) === '$pageview') {
        expected.push([
          eventUuid(events, row),
          '$pageview',
          person as string,
          isoZ(ts(row)),
          `${SITE_ORIGIN}${events.urls[events.url[row] as number]}`,
        ]);
      }
    }
    expected.sort(
      (a, b) =>
        (b[3] as string).localeCompare(a[3] as string) || (b[0] as string).localeCompare(a[0] as string),
    );

    const seen: unknown[][] = [];
    let cursor: { ts: string; uuid: string } | null = null;
    for (let page = 0; page < 20; page++) {
      const keyset: string = cursor
        ? ` AND (timestamp < toDateTime('${cursor.ts}') OR (timestamp = toDateTime('${cursor.ts}') AND uuid < '${cursor.uuid}'))`
        : '';
      const body = await ok(
        `SELECT uuid, event, distinct_id, timestamp, properties.$current_url FROM events ` +
          `WHERE distinct_id = '${person}' AND event = '$pageview'${keyset} ORDER BY timestamp DESC, uuid DESC LIMIT 21`,
      );
      expect(body.columns).toEqual(['uuid', 'event', 'distinct_id', 'timestamp', '$current_url']);
      seen.push(...body.results);
      const last = body.results.at(-1);
      if (!body.hasMore || !last) break;
      expect(body.results).toHaveLength(21);
      cursor = { ts: String(last[3]), uuid: String(last[0]) };
    }
    expect(seen).toEqual(expected);
  });

  it.each([
    ['toStartOfDay', 90, (ms: number) => isoZ(Math.floor(ms / DAY) * DAY)],
    ['toStartOfHour', 2, (ms: number) => isoZ(Math.floor(ms / 3_600_000) * 3_600_000)],
    [
      'toStartOfMonth',
      120,
      (ms: number) =>
        new Date(Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth(), 1))
          .toISOString()
          .slice(0, 10),
    ],
    [
      'toStartOfWeek',
      60,
      (ms: number) =>
        new Date(Math.floor(ms / DAY) * DAY - new Date(ms).getUTCDay() * DAY).toISOString().slice(0, 10),
    ],
  ] as const)('4: %s buckets of active users over %i days equal the data set', async (fn, days, bucketOf) => {
    const start = ANCHOR - days * DAY;
    const body = await ok(
      `SELECT ${fn}(timestamp) AS bucket, count(DISTINCT distinct_id) AS active_users FROM events ` +
        `WHERE timestamp >= toDateTime('${new Date(start).toISOString()}') AND timestamp < toDateTime('${new Date(ANCHOR).toISOString()}') ` +
        `GROUP BY bucket ORDER BY bucket LIMIT 1000`,
    );
    const buckets = new Map<string, Set<string>>();
    for (const row of rowsBetween(start, ANCHOR)) {
      const key = bucketOf(ts(row));
      const set = buckets.get(key) ?? new Set<string>();
      set.add(distinctIdOf(row));
      buckets.set(key, set);
    }
    expect(body.results).toEqual(
      [...buckets.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, s]) => [k, s.size]),
    );
  });

  it('fills {placeholders} from values, including a list for IN', async () => {
    const ids = activeDistinctIds(3, from, to);
    const body = await ok(`SELECT count() FROM events WHERE distinct_id IN {ids} AND event = {name}`, {
      ids,
      name: 'purchase',
    });
    let expected = 0;
    for (let row = 0; row < events.count; row++)
      if (ids.includes(distinctIdOf(row)) && nameOf(row) === 'purchase') expected++;
    expect(body.results).toEqual([[expected]]);
    expect(body.columns).toEqual(['count()']);
  });
});

describe('PostHog Query API: limits and paging', () => {
  it('caps an unlimited query at 100 rows and says there are more', async () => {
    const body = await ok(
      `SELECT uuid FROM events WHERE timestamp >= toDateTime('2026-11-20') ORDER BY timestamp`,
    );
    expect(body.results).toHaveLength(100);
    expect(body).toMatchObject({ hasMore: true, limit: 100, offset: 0 });
    expect(body.hogql).toMatch(/LIMIT 100$/);
  });

  it('pages with LIMIT and OFFSET through exactly the matching rows', async () => {
    const from = ANCHOR - 2 * DAY;
    const expected = rowsBetween(from, ANCHOR + 1)
      .filter((row) => nameOf(row) === 'purchase')
      .map((row) => eventUuid(events, row));
    const got: unknown[] = [];
    for (let offset = 0; ; offset += 7) {
      const body = await ok(
        `SELECT uuid FROM events WHERE event = 'purchase' AND timestamp >= toDateTime('${new Date(from).toISOString()}') ` +
          `ORDER BY timestamp, uuid LIMIT 7 OFFSET ${offset}`,
      );
      got.push(...body.results.map((r) => r[0]));
      expect(body.offset).toBe(offset);
      if (!body.hasMore) break;
    }
    const byTime = new Map(expected.map((uuid, i) => [uuid, i]));
    expect([...got].sort((a, b) => (byTime.get(String(a)) ?? 0) - (byTime.get(String(b)) ?? 0))).toEqual(
      expected,
    );
    expect(new Set(got).size).toBe(expected.length);
  });

  it('clamps an explicit LIMIT to 50,000', async () => {
    const body = await ok('SELECT uuid FROM events LIMIT 100000');
    expect(body.limit).toBe(50_000);
    expect(body.results).toHaveLength(50_000);
    expect(body.hasMore).toBe(true);
  });
});

describe('PostHog Query API: refusals', () => {
  it.each([
    [
      'a JOIN',
      'SELECT e.event FROM events e JOIN persons p ON e.person_id = p.id',
      'hogql_query_error',
      /JOIN/,
    ],
    ['an unknown table', 'SELECT event FROM nowhere', 'hogql_query_error', /Unknown table `nowhere`/],
    ['an unknown function', 'SELECT frobnicate(event) FROM events', 'hogql_query_error', /frobnicate/],
    [
      'an unknown column',
      'SELECT colour FROM events',
      'hogql_query_error',
      /Unable to resolve field: colour/,
    ],
    ['a syntax error', 'SELECT event FROM events WHERE AND', 'hogql_syntax_error', /line 1, column 32/],
    [
      'a column outside GROUP BY',
      'SELECT event, count() FROM events',
      'hogql_query_error',
      /not under an aggregate/,
    ],
    [
      'an aggregate in WHERE',
      'SELECT event FROM events WHERE count() > 1',
      'hogql_query_error',
      /not allowed in WHERE/,
    ],
    [
      'a type mismatch',
      "SELECT event FROM events WHERE timestamp > 'yesterday'",
      'hogql_query_error',
      /Cannot parse/,
    ],
    [
      'a missing placeholder',
      'SELECT event FROM events WHERE event = {name}',
      'hogql_query_error',
      /\{name\}/,
    ],
  ])('answers %s with a 400 validation_error', async (_label, query, code, detail) => {
    const { status, body } = await hogql(query);
    expect(status).toBe(400);
    expect(body).toMatchObject({ type: 'validation_error', code, attr: null });
    expect(body.detail).toMatch(detail);
  });

  it('refuses another query kind', async () => {
    const res = await call(`/api/projects/${PROJECT}/query/`, {
      method: 'POST',
      body: JSON.stringify({ query: { kind: 'TrendsQuery', series: [] } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'validation_error', attr: 'query__kind' });
  });

  it('answers another project with 404', async () => {
    const res = await call(`/api/projects/${PROJECT + 1}/query/`, {
      method: 'POST',
      body: JSON.stringify({ query: { kind: 'HogQLQuery', query: 'SELECT 1 FROM events' } }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ type: 'invalid_request', code: 'not_found' });
  });
});

interface PersonsPage {
  next: string | null;
  previous: string | null;
  count: number;
  results: {
    id: number;
    uuid: string;
    distinct_ids: string[];
    properties: { email: string; name: string };
  }[];
}

describe('PostHog persons', () => {
  it('pages through every person exactly once by following next', async () => {
    const ids: number[] = [];
    let url: string | null = `/api/projects/${PROJECT}/persons/?limit=250`;
    let pages = 0;
    while (url) {
      const res = await call(url);
      expect(res.status).toBe(200);
      const page = (await res.json()) as PersonsPage;
      expect(page.count).toBe(dataset.persons.length);
      if (pages > 0)
        expect(page.previous).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/projects\/1\/persons\/\?.*offset=/);
      ids.push(...page.results.map((p) => p.id));
      url = page.next;
      pages++;
    }
    expect(pages).toBe(Math.ceil(dataset.persons.length / 250));
    expect(new Set(ids).size).toBe(dataset.persons.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(dataset.persons.map((p) => p.id).sort((a, b) => a - b));
  });

  it('finds a person by distinct_id and by email, and retrieves one by id', async () => {
    const person = dataset.persons[123];
    const contact = dataset.contacts[person?.contact ?? 0];
    if (!person || !contact) throw new Error('data set too small');
    const byId = (await (
      await call(`/api/projects/${PROJECT}/persons/?distinct_id=${contact.crmId}`)
    ).json()) as PersonsPage;
    expect(byId.results).toHaveLength(1);
    expect(byId.results[0]).toMatchObject({
      id: person.id,
      uuid: person.uuid,
      distinct_ids: [contact.crmId],
      properties: { email: contact.email, name: `${contact.firstName} ${contact.lastName}` },
    });
    const byEmail = (await (
      await call(`/api/projects/${PROJECT}/persons/?email=${encodeURIComponent(contact.email)}`)
    ).json()) as PersonsPage;
    expect(byEmail.results.map((p) => p.id)).toEqual([person.id]);
    const one = await call(`/api/projects/${PROJECT}/persons/${person.id}/`);
    expect(await one.json()).toEqual(byId.results[0]);
    const missing = await call(`/api/projects/${PROJECT}/persons/1/`);
    expect(missing.status).toBe(404);
  });

  it.each([['0'], ['1001'], ['ten']])('refuses limit=%s with a validation_error on limit', async (limit) => {
    const res = await call(`/api/projects/${PROJECT}/persons/?limit=${limit}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'validation_error', attr: 'limit' });
  });
});

interface EventsPage {
  next: string | null;
  results: {
    id: string;
    distinct_id: string;
    event: string;
    timestamp: string;
    properties: Record<string, unknown>;
  }[];
}

describe('PostHog events list', () => {
  it('shows the last day newest first and pages with before=', async () => {
    const expected = rowsBetween(ANCHOR - DAY + 1, ANCHOR + 1)
      .filter((row) => nameOf(row) === '$pageview')
      .reverse();
    const got: EventsPage['results'] = [];
    let url: string | null = `/api/projects/${PROJECT}/events/?event=%24pageview&limit=100`;
    while (url) {
      const page = (await (await call(url)).json()) as EventsPage;
      got.push(...page.results);
      url = page.next;
    }
    // Paging by `before` drops rows that share the boundary millisecond, as PostHog's does.
    const expectedIds = expected.map((row) => eventUuid(events, row));
    expect(got.length).toBeGreaterThan(expected.length * 0.95);
    expect(got.every((e) => expectedIds.includes(e.id))).toBe(true);
    const first = expected[0] as number;
    expect(got[0]).toEqual({
      id: eventUuid(events, first),
      distinct_id: distinctIdOf(first),
      properties: expect.objectContaining({
        $current_url: `${SITE_ORIGIN}${events.urls[events.url[first] as number]}`,
      }),
      event: '$pageview',
      timestamp: `${isoZ(ts(first)).slice(0, -1)}+00:00`,
      person: null,
      elements: [],
      elements_chain: '',
    });
  });

  it("lists one person's events after a given time", async () => {
    const row = rowsBetween(ANCHOR - 30 * DAY, ANCHOR)[0] as number;
    const id = distinctIdOf(row);
    const after = ANCHOR - 30 * DAY;
    const page = (await (
      await call(
        `/api/projects/${PROJECT}/events/?distinct_id=${id}&after=${new Date(after).toISOString()}&limit=1000`,
      )
    ).json()) as EventsPage;
    const expected = rowsBetween(after + 1, ANCHOR + 1)
      .filter((r) => distinctIdOf(r) === id)
      .reverse()
      .map((r) => eventUuid(events, r));
    expect(page.results.map((e) => e.id)).toEqual(expected);
  });

  it('refuses offsets above 50,000', async () => {
    const res = await call(`/api/projects/${PROJECT}/events/?offset=50001`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'validation_error', attr: 'offset' });
  });
});

describe('PostHog auth, throttling and determinism', () => {
  it('answers a missing key and a wrong key with 401', async () => {
    const none = await fetch(`${server.url}/api/projects/${PROJECT}/persons/`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      type: 'authentication_error',
      code: 'not_authenticated',
      detail: 'Authentication credentials were not provided.',
      attr: null,
    });
    const wrong = await call(`/api/projects/${PROJECT}/persons/`, {
      headers: { authorization: 'Bearer phx_wrong' },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({
      type: 'authentication_error',
      code: 'authentication_failed',
      attr: null,
    });
  });

  it('throttles over the rate-limit knob with Retry-After', async () => {
    knobs.set('posthog', { rateLimit: { limit: 1, windowMs: 60_000 } });
    try {
      expect((await call(`/api/projects/${PROJECT}/persons/?limit=1`)).status).toBe(200);
      const res = await call(`/api/projects/${PROJECT}/persons/?limit=1`);
      expect(res.status).toBe(429);
      const seconds = Number(res.headers.get('retry-after'));
      expect(seconds).toBeGreaterThanOrEqual(59);
      expect(seconds).toBeLessThanOrEqual(60);
      expect(await res.json()).toEqual({
        type: 'throttled_error',
        code: 'throttled',
        detail: `Request was throttled. Expected available in ${seconds} seconds.`,
        attr: null,
      });
    } finally {
      knobs.set('posthog', { rateLimit: null });
    }
  });

  it('leaves capture outside the rate-limit knob, as PostHog leaves it outside its limits', async () => {
    // A simulator of its own: captured events would change the pages the next test compares.
    const own = await start();
    own.knobs.set('posthog', { rateLimit: { limit: 1, windowMs: 60_000 } });
    try {
      expect((await call(`/api/projects/${PROJECT}/persons/?limit=1`, {}, own.server.url)).status).toBe(200);
      expect((await call(`/api/projects/${PROJECT}/persons/?limit=1`, {}, own.server.url)).status).toBe(429);
      for (let i = 0; i < 3; i++) {
        const capture = await call(
          '/batch/',
          {
            method: 'POST',
            body: JSON.stringify({
              api_key: POSTHOG_PROJECT_TOKEN,
              batch: [{ event: 'x', distinct_id: 'y' }],
            }),
          },
          own.server.url,
        );
        expect(capture.status).toBe(200);
      }
    } finally {
      await own.server.close();
    }
  });

  it('gives byte-identical pages from two simulators on the same seed', async () => {
    const other = await start();
    try {
      const paths = [
        `/api/projects/${PROJECT}/persons/?limit=50&offset=100`,
        `/api/projects/${PROJECT}/events/?limit=50`,
      ];
      for (const path of paths) {
        const a = await (await call(path)).text();
        const b = await (await call(path, {}, other.server.url)).text();
        expect(b.replaceAll(other.server.url, server.url)).toBe(a);
      }
      const query = JSON.stringify({
        query: {
          kind: 'HogQLQuery',
          query:
            "SELECT distinct_id, count() AS c FROM events WHERE timestamp >= '2026-11-01' GROUP BY distinct_id ORDER BY c DESC, distinct_id LIMIT 50",
        },
      });
      const qa = await (
        await call(`/api/projects/${PROJECT}/query/`, { method: 'POST', body: query })
      ).text();
      const qb = await (
        await call(`/api/projects/${PROJECT}/query/`, { method: 'POST', body: query }, other.server.url)
      ).text();
      expect(qb).toBe(qa);
    } finally {
      await other.server.close();
    }
  });
});
