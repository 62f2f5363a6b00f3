import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import type { ModelChanges } from '../../../datasources/changes.js';
import { SalesforceChangePoller } from '../../../datasources/salesforce/changes.js';
import { SalesforceClient } from '../../../datasources/salesforce/client.js';
import {
  createSalesforceCrm,
  salesforceSession,
  salesforceSettings,
  salesforceTokens,
  type SalesforceCrm,
} from '../../../datasources/salesforce/index.js';
import type { SalesforceSession } from '../../../datasources/salesforce/session.js';
import type { RequestPolicy } from '../../../datasources/transport/http-client.js';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import {
  DEFAULT_SALESFORCE_TWIN,
  createSalesforceTwin,
  salesforceSeededIds,
} from '../../../sandbox/salesforce/index.js';
import { closeRedis, connectRedis, type RedisConnection } from '../../../src/redis/client.js';
import { ChangePollRunner, RedisWatermarks } from '../../../src/webhooks/change-poll.js';
import { RedisLeases } from '../../../src/writes/leases.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';

/**
 * Salesforce change detection without webhooks: Get Updated / Get Deleted polled by one replica at
 * a time (a Redis lease), from a watermark shared through Redis, into the model-level changes a
 * webhook delivery makes. Time is the test's: the twin and the poller read the same clock.
 */

const silent = pino({ level: 'silent' });
const passThrough: RequestPolicy = { run: (req, attempt) => attempt(req) };
const MINUTE = 60_000;
let clock = Date.UTC(2026, 10, 24, 12, 0, 0);

let redis: TestRedis;
let sim: SimulatorServer;
let counters: RequestCounters;
let writer: SalesforceCrm;
const connections: RedisConnection[] = [];
const sessions: SalesforceSession[] = [];
const closers: Array<() => Promise<void>> = [];
let contactIds: string[];

const settings = () =>
  salesforceSettings({
    SALESFORCE_LOGIN_URL: sim.url,
    SALESFORCE_CLIENT_ID: DEFAULT_SALESFORCE_TWIN.clientId,
    SALESFORCE_CLIENT_SECRET: DEFAULT_SALESFORCE_TWIN.clientSecret,
    SALESFORCE_REFRESH_TOKEN: DEFAULT_SALESFORCE_TWIN.refreshToken,
  });

async function replica(applied: ModelChanges[]): Promise<ChangePollRunner> {
  const connection = await connectRedis(redis.url, silent, 'replica', 500);
  connections.push(connection);
  const deps = { timeoutMs: 5_000, onCall: () => undefined, policy: passThrough };
  const tokens = salesforceTokens(settings(), deps);
  closers.push(tokens.close);
  const session = salesforceSession(settings(), tokens.tokens, deps);
  sessions.push(session);
  const poller = new SalesforceChangePoller(new SalesforceClient(session, '65.0'), () => clock);
  return new ChangePollRunner({
    provider: 'salesforce',
    source: poller,
    leases: new RedisLeases(connection),
    watermarks: new RedisWatermarks(connection),
    apply: (changes) => {
      applied.push(changes);
      return Promise.resolve();
    },
    intervalMs: MINUTE,
    logger: silent,
  });
}

beforeAll(async () => {
  redis = await startTestRedis();
  const dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: Date.UTC(2026, 10, 24) });
  contactIds = dataset.contacts.slice(0, 5).map((c) => salesforceSeededIds.contact(c));
  counters = new RequestCounters();
  const twin = createSalesforceTwin({
    dataset,
    credentials: DEFAULT_SANDBOX_CREDENTIALS,
    clock: () => clock,
  });
  sim = await serveSimulator({
    protocol: twin.protocol,
    knobs: new KnobBoard(),
    counters,
    admin: twin.admin,
  });
  writer = createSalesforceCrm(settings(), {
    timeoutMs: 5_000,
    onCall: () => undefined,
    policy: passThrough,
  });
});

afterAll(async () => {
  await writer?.close();
  await Promise.all(sessions.map((s) => s.close()));
  await Promise.all(closers.map((close) => close()));
  await Promise.all(connections.map((c) => closeRedis(c)));
  await sim?.close();
  await redis?.stop();
});

describe('Salesforce change polling', () => {
  it('one replica polls at a time; updates and deletes become contact invalidations and customer events', async () => {
    const appliedA: ModelChanges[] = [];
    const appliedB: ModelChanges[] = [];
    const [a, b] = [await replica(appliedA), await replica(appliedB)];

    // The first round only sets the watermark (nothing before it is news); the other replica skips.
    const first = await Promise.all([a.runOnce(), b.runOnce()]);
    expect([...first].sort()).toEqual(['polled', 'skipped']);
    expect([...appliedA, ...appliedB].flatMap((c) => c.invalidations)).toEqual([]);

    clock += 2 * MINUTE;
    const [changedId, deletedId] = [contactIds[0] ?? '', contactIds[1] ?? ''];
    await writer.updateContact(changedId, { jobTitle: 'Polled Title' }, { idempotencyKey: 'p1' });
    await writer.deleteContact(deletedId, { idempotencyKey: 'p2' });
    clock += 2 * MINUTE;

    counters.reset();
    expect(await b.runOnce()).toBe('polled');
    const seen = appliedB.at(-1);
    expect(seen?.invalidations).toEqual(
      expect.arrayContaining([
        { kind: 'contact', id: changedId },
        { kind: 'contact', id: deletedId },
      ]),
    );
    expect(seen?.events).toEqual(
      expect.arrayContaining([
        { topic: 'customer', contactId: changedId },
        { topic: 'customer', contactId: deletedId },
      ]),
    );
    // Get Updated and Get Deleted for each polled object, nothing else (besides this replica's first token).
    const endpoints = Object.keys(counters.snapshot().byEndpoint.salesforce).filter(
      (e) => !e.includes('/oauth2/'),
    );
    expect(endpoints.sort()).toEqual([
      'GET /services/data/{version}/sobjects/{sobject}/deleted',
      'GET /services/data/{version}/sobjects/{sobject}/updated',
    ]);
    expect(
      counters.snapshot().byEndpoint.salesforce['GET /services/data/{version}/sobjects/{sobject}/updated'],
    ).toBe(4);

    // The watermark moved on in Redis: the other replica, right after, reads nothing new.
    counters.reset();
    expect(await a.runOnce()).toBe('polled');
    expect(counters.snapshot().total.salesforce).toBe(0);
    expect(appliedA.at(-1)?.invalidations).toEqual([]);
  });
});
