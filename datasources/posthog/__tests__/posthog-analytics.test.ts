import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
import { eventUuid, generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import { createPostHogProtocol } from '../../../sandbox/posthog/index.js';
import { UnsupportedPagingError, type ActivitySummary, type AnalyticsEvent } from '../../model.js';
import { ProviderErrorCode } from '../../transport/errors.js';
import type { UpstreamCall } from '../../transport/http-client.js';
import { QUERY_ENDPOINT } from '../client.js';
import { createPostHogAnalytics, encodeEventCursor, type PostHogAnalytics } from '../analytics.js';
import { formatPostHogDateTime } from '../mapping.js';
import { providerFailure } from '../../../test/support/provider-failure.js';

const DAY = 86_400_000;
const anchor = Date.UTC(2026, 10, 24);
const dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor });
const events = dataset.events;
const credentials = DEFAULT_SANDBOX_CREDENTIALS;

// ---- the truth, read straight from the data set ---------------------------------------------------

const distinctIdOf = (person: number): string =>
  dataset.contacts[dataset.persons[person]?.contact ?? -1]?.crmId ?? '';
const personOf = new Map(dataset.persons.map((_, p) => [distinctIdOf(p), p]));

function rowsOfPerson(person: number): number[] {
  const rows: number[] = [];
  for (let k = events.personStart[person] ?? 0; k < (events.personStart[person + 1] ?? 0); k++)
    rows.push(events.byPerson[k] ?? -1);
  return rows;
}

/** The person with the most events. */
const busiest = dataset.persons
  .map((_, p) => p)
  .reduce((best, p) => (rowsOfPerson(p).length > rowsOfPerson(best).length ? p : best), 0);
const ts = (row: number): number => events.timestamp[row] ?? NaN;
const nameOf = (row: number): string => events.names[events.name[row] ?? -1] ?? '';

function expectedSummary(contactId: string, since: number, until: number): ActivitySummary {
  const person = personOf.get(contactId);
  const rows =
    person === undefined ? [] : rowsOfPerson(person).filter((r) => ts(r) >= since && ts(r) < until);
  const byName = new Map<string, number>();
  for (const r of rows) byName.set(nameOf(r), (byName.get(nameOf(r)) ?? 0) + 1);
  return {
    contactId,
    since: new Date(since),
    until: new Date(until),
    eventCount: rows.length,
    activeDays: new Set(rows.map((r) => Math.floor(ts(r) / DAY))).size,
    lastSeenAt: rows.length === 0 ? null : new Date(Math.max(...rows.map(ts))),
    topEvents: [...byName]
      .map(([name, count]) => ({ name, count }))
      .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1))
      .slice(0, 10),
  };
}

/** (id, timestamp) of a person's events, newest first, ties by uuid descending as PostHog orders them. */
function expectedEvents(person: number, name?: string): Array<{ id: string; at: number }> {
  return rowsOfPerson(person)
    .filter((r) => name === undefined || nameOf(r) === name)
    .map((r) => ({ id: eventUuid(events, r), at: ts(r) }))
    .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** Distinct people per bucket, buckets from `start` stepped by `next` while before `until`. */
function expectedActive(
  since: number,
  until: number,
  first: number,
  next: (t: number) => number,
): Array<{ start: Date; count: number }> {
  const starts: number[] = [];
  for (let t = first; t < until; t = next(t)) starts.push(t);
  const people = starts.map(() => new Set<number>());
  for (let r = 0; r < events.count; r++) {
    const t = ts(r);
    if (t < since || t >= until) continue;
    let i = starts.length - 1;
    while (i > 0 && (starts[i] ?? Infinity) > t) i--;
    people[i]?.add(events.person[r] ?? -1);
  }
  return starts.map((t, i) => ({ start: new Date(t), count: people[i]?.size ?? 0 }));
}

function mondayOnOrBefore(t: number): number {
  const day = Math.floor(t / DAY) * DAY;
  const sinceMonday = (new Date(day).getUTCDay() + 6) % 7;
  return day - sinceMonday * DAY;
}

// ---- the simulator ------------------------------------------------------------------------------------

describe('PostHogAnalytics over the PostHog simulator', () => {
  const knobs = new KnobBoard();
  const counters = new RequestCounters();
  const calls: UpstreamCall[] = [];
  let sim: SimulatorServer;
  let analytics: PostHogAnalytics;
  const extra: PostHogAnalytics[] = [];

  const make = (
    overrides: { apiKey?: string; projectId?: number; maxRows?: number; baseUrl?: string } = {},
  ) => {
    const adapter = createPostHogAnalytics({
      baseUrl: overrides.baseUrl ?? sim.url,
      apiKey: overrides.apiKey ?? credentials.posthogApiKey,
      projectId: overrides.projectId ?? credentials.posthogProjectId,
      timeoutMs: 10_000,
      ...(overrides.maxRows === undefined ? {} : { maxRows: overrides.maxRows }),
    });
    extra.push(adapter);
    return adapter;
  };
  const queryCalls = (): number => counters.snapshot().byEndpoint.posthog[QUERY_ENDPOINT] ?? 0;

  beforeAll(async () => {
    sim = await serveSimulator({
      protocol: createPostHogProtocol({ dataset, credentials }),
      knobs,
      counters,
    });
    analytics = createPostHogAnalytics({
      baseUrl: sim.url,
      apiKey: credentials.posthogApiKey,
      projectId: credentials.posthogProjectId,
      timeoutMs: 10_000,
      onCall: (call) => calls.push(call),
    });
  });

  afterEach(() => {
    knobs.reset('posthog');
    counters.reset();
  });

  afterAll(async () => {
    await Promise.all([analytics.close(), ...extra.map((a) => a.close())]);
    await sim.close();
  });

  describe('activityOfContacts', () => {
    const until = anchor;
    const since = anchor - 30 * DAY;
    const fifty = dataset.persons.slice(0, 50).map((_, p) => distinctIdOf(p));

    it('answers 50 contacts over 30 days with one query, matching the data set', async () => {
      counters.reset();
      calls.length = 0;
      const summaries = await analytics.activityOfContacts(fifty, new Date(since), new Date(until));
      expect(queryCalls()).toBe(1);
      expect(calls).toEqual([
        expect.objectContaining({ provider: 'posthog', endpoint: QUERY_ENDPOINT, status: 200 }),
      ]);
      expect(summaries).toEqual(fifty.map((id) => expectedSummary(id, since, until)));
      expect(summaries.some((s) => s.eventCount > 0)).toBe(true);
    });

    it('gives zeros to a contact without events, in the order asked', async () => {
      const quiet = dataset.persons.map((_, p) => p).find((p) => rowsOfPerson(p).length === 0);
      const ids = ['no-such-contact', fifty[3] ?? '', ...(quiet === undefined ? [] : [distinctIdOf(quiet)])];
      const summaries = await analytics.activityOfContacts(ids, new Date(since), new Date(until));
      expect(summaries.map((s) => s.contactId)).toEqual(ids);
      expect(summaries[0]).toEqual({
        contactId: 'no-such-contact',
        since: new Date(since),
        until: new Date(until),
        eventCount: 0,
        activeDays: 0,
        lastSeenAt: null,
        topEvents: [],
      });
      expect(summaries).toEqual(ids.map((id) => expectedSummary(id, since, until)));
    });

    it('makes no call for no contacts', async () => {
      expect(await analytics.activityOfContacts([], new Date(since), new Date(until))).toEqual([]);
      expect(queryCalls()).toBe(0);
    });

    it('splits a cut answer and still returns the whole truth', async () => {
      const small = make({ maxRows: 300 });
      const summaries = await small.activityOfContacts(fifty, new Date(since), new Date(until));
      expect(queryCalls()).toBeGreaterThan(1);
      expect(summaries).toEqual(fifty.map((id) => expectedSummary(id, since, until)));
    });

    it('batches 1,000 ids per query over the whole data set', async () => {
      const all = dataset.persons.map((_, p) => distinctIdOf(p));
      const from = anchor - 7 * DAY;
      const summaries = await analytics.activityOfContacts(all, new Date(from), new Date(until));
      expect(queryCalls()).toBe(Math.ceil(all.length / 1000));
      expect(summaries).toEqual(all.map((id) => expectedSummary(id, from, until)));
    });
  });

  describe('listEvents', () => {
    // A busy person, so that the walk spans several pages.
    const person = busiest;
    const contactId = distinctIdOf(person);

    async function walk(name?: string): Promise<{ items: AnalyticsEvent[]; pages: number }> {
      const items: AnalyticsEvent[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page = await analytics.listEvents(
          { limit: 25, after },
          name === undefined ? { contactId } : { contactId, name },
        );
        pages++;
        expect(page.cursors).toHaveLength(page.items.length);
        expect(page.totalCount).toBeNull();
        expect(page.previousCursor).toBeNull();
        items.push(...page.items);
        after = page.nextCursor;
      } while (after !== null && pages < 1000);
      return { items, pages };
    }

    it('walks every event of the person once, newest first, one query per page', async () => {
      const truth = expectedEvents(person);
      expect(truth.length).toBeGreaterThan(75);
      const { items, pages } = await walk();
      expect(items.map((e) => ({ id: e.id, at: e.occurredAt.getTime() }))).toEqual(truth);
      expect(new Set(items.map((e) => e.id)).size).toBe(items.length);
      expect(items.every((e) => e.contactId === contactId)).toBe(true);
      // LIMIT size+1 tells the last page apart, so a full last page costs no empty extra call.
      expect(pages).toBe(Math.ceil(truth.length / 25));
      expect(queryCalls()).toBe(pages);
    });

    it('maps url and properties from the event', async () => {
      const page = await analytics.listEvents({ limit: 5 }, { contactId });
      const first = page.items[0];
      expect(first?.url).toMatch(/^https:\/\/app\.concord\.example\//);
      expect(first?.properties.$current_url).toBe(first?.url);
    });

    it('resumes from any edge cursor', async () => {
      const truth = expectedEvents(person);
      const first = await analytics.listEvents({ limit: 25 }, { contactId });
      const middle = first.cursors[10] ?? '';
      const resumed = await analytics.listEvents({ limit: 25, after: middle }, { contactId });
      expect(resumed.items.map((e) => e.id)).toEqual(truth.slice(11, 36).map((e) => e.id));
      // The last edge's cursor is the page's next cursor.
      expect(first.nextCursor).toBe(first.cursors.at(-1));
    });

    it('breaks timestamp ties by uuid (the data set has none, so the cursor makes one)', async () => {
      const truth = expectedEvents(person);
      const target = truth[40];
      if (!target) throw new Error('the busy person is not busy');
      const ts = formatPostHogDateTime(new Date(target.at));
      const ask = async (uuid: string): Promise<string[]> =>
        (
          await analytics.listEvents({ limit: 3, after: encodeEventCursor({ ts, uuid }) }, { contactId })
        ).items.map((e) => e.id);
      // Same instant, larger uuid: the target itself still comes after it; smaller: it does not.
      expect(await ask('ffffffff-ffff-7fff-bfff-ffffffffffff')).toEqual(truth.slice(40, 43).map((e) => e.id));
      expect(await ask('00000000-0000-7000-8000-000000000000')).toEqual(truth.slice(41, 44).map((e) => e.id));
    });

    it('filters by event name', async () => {
      const { items } = await walk('signed_in');
      expect(items.map((e) => e.id)).toEqual(expectedEvents(person, 'signed_in').map((e) => e.id));
      expect(items.every((e) => e.name === 'signed_in')).toBe(true);
    });

    it('refuses to page backwards and refuses foreign cursors', async () => {
      await expect(analytics.listEvents({ limit: 10, before: 'x' }, { contactId })).rejects.toBeInstanceOf(
        UnsupportedPagingError,
      );
      const error = await providerFailure(
        analytics.listEvents({ limit: 10, after: 'cus_123' }, { contactId }),
      );
      expect(error.code).toBe(ProviderErrorCode.REJECTED);
      expect(queryCalls()).toBe(0);
    });
  });

  describe('getEvents', () => {
    it('answers ids in the order asked with one query, null for unknown and malformed ids', async () => {
      const listed = await analytics.listEvents({ limit: 3 }, { contactId: distinctIdOf(busiest) });
      const [a, b, c] = listed.items;
      if (!a || !b || !c) throw new Error('the busiest person has too few events');
      const far = eventUuid(events, events.count - 1);
      counters.reset();
      const found = await analytics.getEvents([
        c.id,
        'ffffffff-ffff-7fff-bfff-ffffffffffff',
        a.id.toUpperCase(),
        "1' OR '1'='1",
        b.id,
        far,
      ]);
      expect(queryCalls()).toBe(1);
      expect(found.slice(0, 5)).toEqual([c, null, a, null, b]);
      expect(found[5]).toMatchObject({ id: far, occurredAt: new Date(ts(events.count - 1)) });
    });

    it('makes no call when no id can be an event', async () => {
      expect(await analytics.getEvents(['nope', ''])).toEqual([null, null]);
      expect(queryCalls()).toBe(0);
    });
  });

  describe('activeUsersByBucket', () => {
    it('counts distinct people per day over 90 days, empty days included, in one query', async () => {
      const since = anchor - 90 * DAY;
      const series = await analytics.activeUsersByBucket(new Date(since), new Date(anchor), 'DAY');
      expect(queryCalls()).toBe(1);
      expect(series).toHaveLength(90);
      expect(series).toEqual(expectedActive(since, anchor, since, (t) => t + DAY));
    });

    it('starts weeks on Monday (UTC) and keeps the partial first week', async () => {
      const since = anchor - 60 * DAY + 5 * 3_600_000;
      const series = await analytics.activeUsersByBucket(new Date(since), new Date(anchor), 'WEEK');
      expect(queryCalls()).toBe(1);
      expect(series.every((b) => b.start.getUTCDay() === 1)).toBe(true);
      expect(series).toEqual(expectedActive(since, anchor, mondayOnOrBefore(since), (t) => t + 7 * DAY));
    });

    it('counts per calendar month', async () => {
      const since = Date.UTC(2026, 5, 15);
      const series = await analytics.activeUsersByBucket(new Date(since), new Date(anchor), 'MONTH');
      expect(queryCalls()).toBe(1);
      const nextMonth = (t: number): number => {
        const d = new Date(t);
        return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      };
      expect(series).toEqual(expectedActive(since, anchor, Date.UTC(2026, 5, 1), nextMonth));
    });

    it('returns zero buckets for an empty range without asking', async () => {
      expect(await analytics.activeUsersByBucket(new Date(anchor), new Date(anchor), 'DAY')).toEqual([]);
      expect(queryCalls()).toBe(0);
    });

    it('splits on bucket boundaries when one answer cannot hold every bucket', async () => {
      const since = anchor - 3 * DAY;
      const series = await make({ maxRows: 20 }).activeUsersByBucket(
        new Date(since),
        new Date(anchor),
        'HOUR',
      );
      expect(queryCalls()).toBeGreaterThan(1);
      expect(series).toEqual(expectedActive(since, anchor, since, (t) => t + 3_600_000));
    });
  });

  describe('values with quotes stay values', () => {
    const injection = "1' OR '1'='1";

    it('in an IN list', async () => {
      const real = distinctIdOf(0);
      const since = anchor - 30 * DAY;
      const summaries = await analytics.activityOfContacts(
        [injection, real],
        new Date(since),
        new Date(anchor),
      );
      expect(summaries).toEqual([
        expectedSummary(injection, since, anchor),
        expectedSummary(real, since, anchor),
      ]);
      expect(summaries[0]?.eventCount).toBe(0);
    });

    it('in an equality and a name filter', async () => {
      expect((await analytics.listEvents({ limit: 10 }, { contactId: injection })).items).toEqual([]);
      const named = await analytics.listEvents(
        { limit: 10 },
        { contactId: distinctIdOf(0), name: `x' OR event != '` },
      );
      expect(named.items).toEqual([]);
    });
  });

  describe('failures', () => {
    const since = new Date(anchor - DAY);
    const until = new Date(anchor);

    it('an outage is UNAVAILABLE', async () => {
      knobs.set('posthog', { outage: true });
      const error = await providerFailure(analytics.activeUsersByBucket(since, until, 'DAY'));
      expect(error).toMatchObject({ code: ProviderErrorCode.UNAVAILABLE, status: 503, retryable: true });
      expect(error.endpoint).toBe(QUERY_ENDPOINT);
    });

    it('throttling is RATE_LIMITED with the wait from Retry-After', async () => {
      knobs.set('posthog', { rateLimit: { limit: 0, windowMs: 60_000 } });
      const error = await providerFailure(analytics.activityOfContacts(['1'], since, until));
      expect(error).toMatchObject({
        code: ProviderErrorCode.RATE_LIMITED,
        status: 429,
        retryable: true,
        retryAfterMs: 60_000,
        providerCode: 'throttled_error:throttled',
      });
    });

    it('a wrong key is UNAUTHORIZED, a wrong project NOT_FOUND', async () => {
      const wrongKey = await providerFailure(
        make({ apiKey: 'phx_wrong' }).activeUsersByBucket(since, until, 'DAY'),
      );
      expect(wrongKey).toMatchObject({ code: ProviderErrorCode.UNAUTHORIZED, status: 401, retryable: false });
      expect(wrongKey.message).not.toContain('phx_');
      const wrongProject = await providerFailure(
        make({ projectId: 999 }).activeUsersByBucket(since, until, 'DAY'),
      );
      expect(wrongProject).toMatchObject({ code: ProviderErrorCode.NOT_FOUND, status: 404 });
    });

    describe('a provider answering garbage', () => {
      let server: Server;
      let reply = '';
      let baseUrl = '';

      beforeAll(async () => {
        server = createServer((_req, res) => {
          res.setHeader('content-type', 'application/json');
          res.end(reply);
        });
        server.listen(0, '127.0.0.1');
        await once(server, 'listening');
        baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      });

      afterAll(async () => {
        server.closeAllConnections();
        server.close();
        await once(server, 'close');
      });

      it.each([
        ['not JSON', '<html>oops</html>'],
        ['no results', '{"columns":["bucket","n"]}'],
        ['rows shorter than columns', '{"results":[["2026-11-23"]],"columns":["bucket","n"]}'],
        ['a bucket that is no date', '{"results":[["soon",3]],"columns":["bucket","n"],"hasMore":false}'],
      ])('%s is BAD_RESPONSE', async (_label, body) => {
        reply = body;
        const error = await providerFailure(make({ baseUrl }).activeUsersByBucket(since, until, 'DAY'));
        expect(error).toMatchObject({ code: ProviderErrorCode.BAD_RESPONSE, status: 200, retryable: false });
      });
    });
  });
});
