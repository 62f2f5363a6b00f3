import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import type { SalesforceCrm } from '../../../datasources/salesforce/index.js';
import { createSalesforceCrm, salesforceSettings } from '../../../datasources/salesforce/index.js';
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
  type SalesforceTwin,
} from '../../../sandbox/salesforce/index.js';
import { OAuthState } from '../../../src/providers/oauth.js';
import { closeRedis, connectRedis, type RedisConnection } from '../../../src/redis/client.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';

/**
 * Two replicas (two adapters, each with its own token source, sharing one Redis) under load while
 * the Salesforce session expires: exactly one call to the twin's token endpoint, no failed request.
 * And a revoked refresh token: a clear error and a readiness state naming Salesforce.
 */

const TOKEN = 'POST /services/oauth2/token';
const KEY = 'ab'.repeat(32);
const passThrough: RequestPolicy = { run: (req, attempt) => attempt(req) };
const silent = pino({ level: 'silent' });

let redis: TestRedis;
let twin: SalesforceTwin;
let sim: SimulatorServer;
let counters: RequestCounters;
const connections: RedisConnection[] = [];
const adapters: SalesforceCrm[] = [];
let contactIds: string[];

async function replica(): Promise<{ crm: SalesforceCrm; oauth: OAuthState }> {
  const connection = await connectRedis(redis.url, silent, 'replica', 500);
  connections.push(connection);
  const oauth = new OAuthState({ keys: [Buffer.from(KEY, 'hex')] }, connection, silent);
  const crm = createSalesforceCrm(
    salesforceSettings({
      SALESFORCE_LOGIN_URL: sim.url,
      SALESFORCE_CLIENT_ID: DEFAULT_SALESFORCE_TWIN.clientId,
      SALESFORCE_CLIENT_SECRET: DEFAULT_SALESFORCE_TWIN.clientSecret,
      SALESFORCE_REFRESH_TOKEN: DEFAULT_SALESFORCE_TWIN.refreshToken,
    }),
    { timeoutMs: 5_000, onCall: () => undefined, policy: passThrough, oauth: oauth.deps },
  );
  adapters.push(crm);
  return { crm, oauth };
}

beforeAll(async () => {
  redis = await startTestRedis();
  const dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: Date.UTC(2026, 10, 24) });
  contactIds = dataset.contacts.slice(0, 50).map((c) => salesforceSeededIds.contact(c));
  counters = new RequestCounters();
  // Rotation on: the replica that refreshes stores the new refresh token before using the session.
  twin = createSalesforceTwin(
    { dataset, credentials: DEFAULT_SANDBOX_CREDENTIALS },
    { ...DEFAULT_SALESFORCE_TWIN, rotateRefreshTokens: true },
  );
  sim = await serveSimulator({
    protocol: twin.protocol,
    knobs: new KnobBoard(),
    counters,
    admin: twin.admin,
  });
});

afterAll(async () => {
  await Promise.all(adapters.map((a) => a.close()));
  await Promise.all(connections.map((c) => closeRedis(c)));
  await sim?.close();
  await redis?.stop();
});

describe('Salesforce OAuth across replicas', () => {
  it('two replicas under load while the session expires: one token call, no failed request', async () => {
    const [a, b] = [await replica(), await replica()];
    // Both start cold at once: one of them gets the first session, the other adopts it.
    await Promise.all([a.crm.getContacts(contactIds.slice(0, 1)), b.crm.getContacts(contactIds.slice(0, 1))]);
    expect(counters.snapshot().byEndpoint.salesforce[TOKEN]).toBe(1);
    counters.reset();

    let failures = 0;
    let done = 0;
    let stop = false;
    const worker = async (crm: SalesforceCrm, n: number) => {
      while (!stop) {
        const [contact] = await crm
          .getContacts([contactIds[(n + done) % contactIds.length] ?? ''])
          .catch(() => {
            failures += 1;
            return [null];
          });
        if (contact) done += 1;
      }
    };
    const workers = [...Array(16)].map((_, n) => worker(n % 2 ? a.crm : b.crm, n));
    // Load first, then the session ends under it (as a session timeout would), then more load.
    while (done < 100) await new Promise((r) => setTimeout(r, 5));
    twin.controls.expireAccessTokens();
    const after = done;
    while (done < after + 200) await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await Promise.all(workers);

    const snapshot = counters.snapshot();
    expect(failures).toBe(0);
    expect(snapshot.byEndpoint.salesforce[TOKEN]).toBe(1);
    // The old session was refused at least once (INVALID_SESSION_ID), by both replicas' calls.
    expect(snapshot.byStatus.salesforce['401']).toBeGreaterThanOrEqual(1);
    expect(a.oauth.health()).toEqual([{ provider: 'salesforce', state: 'ok', since: null }]);
  });

  it('a revoked refresh token: PROVIDER_UNAVAILABLE with reason auth, and readiness names Salesforce', async () => {
    const [a, b] = [await replica(), await replica()];
    await a.crm.getContacts(contactIds.slice(0, 1));
    twin.controls.revokeRefreshTokens();
    twin.controls.expireAccessTokens();
    counters.reset();
    await expect(a.crm.getContacts(contactIds.slice(0, 1))).rejects.toMatchObject({
      provider: 'salesforce',
      code: 'UNAVAILABLE',
      details: { reason: 'auth', oauthError: 'invalid_grant' },
    });
    // The other replica fails fast on the shared note: no second grant attempt.
    await expect(b.crm.getContacts(contactIds.slice(0, 1))).rejects.toMatchObject({
      details: { reason: 'auth' },
    });
    expect(counters.snapshot().byEndpoint.salesforce[TOKEN]).toBe(1);
    expect(a.oauth.health()).toMatchObject([{ provider: 'salesforce', state: 'revoked' }]);
    expect(b.oauth.health()).toMatchObject([{ provider: 'salesforce', state: 'revoked' }]);
  });
});
