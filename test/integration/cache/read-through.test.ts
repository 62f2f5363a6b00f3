import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CacheStats,
  CachedCrm,
  DEFAULT_TTL_SECONDS,
  ReadThroughCache,
  credentialFingerprint,
  type CacheKind,
} from '../../../datasources/cache/index.js';
import { createHubSpotCrm, type HubSpotCrm } from '../../../datasources/hubspot/crm.js';
import type { Contact, CrmProvider } from '../../../datasources/model.js';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import { createCacheStore, type ManagedCacheStore } from '../../../src/cache/store.js';
import { TEST_ANCHOR, TEST_SEED } from '../../support/stack.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';

const policy = {
  ttlMs: Object.fromEntries(Object.entries(DEFAULT_TTL_SECONDS).map(([k, s]) => [k, s * 1000])) as Record<
    CacheKind,
    number
  >,
  staleMs: 60_000,
};

/** The real HubSpot adapter, recording the ids each batch asks for. */
function recording(inner: CrmProvider): { crm: CrmProvider; asked: string[][] } {
  const asked: string[][] = [];
  const crm = Object.create(inner) as CrmProvider;
  crm.getContacts = async (ids: readonly string[]) => {
    asked.push([...ids]);
    return inner.getContacts(ids);
  };
  return { crm, asked };
}

describe.each(['memory', 'redis'] as const)('read-through entity caching (%s store)', (kind) => {
  let sandbox: RunningSandbox;
  let redis: TestRedis | null;
  let store: ManagedCacheStore;
  let hubspot: HubSpotCrm;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: TEST_SEED, anchor: Date.parse(TEST_ANCHOR) });
    redis = kind === 'redis' ? await startTestRedis() : null;
    store = createCacheStore({ redisUrl: redis?.url ?? null });
    await store.connected;
    hubspot = createHubSpotCrm({
      baseUrl: sandbox.urls.hubspot,
      accessToken: sandbox.credentials.hubspotAccessToken,
    });
  });
  afterAll(async () => {
    await hubspot.close();
    await store.close();
    await redis?.stop();
    await sandbox.stop();
  });

  /** Every cache made, so a test can wait until their writes reached the store. */
  const made: ReadThroughCache[] = [];
  const writesSettled = () => Promise.all(made.map((cache) => cache.writesSettled()));

  function cachedFor(credential: string, inner: CrmProvider): CachedCrm {
    const cache = new ReadThroughCache({
      store,
      stats: new CacheStats(),
      policy,
      provider: 'hubspot',
      credentialFingerprint: credentialFingerprint('hubspot', `${kind} ${credential}`),
    });
    made.push(cache);
    return new CachedCrm(inner, cache);
  }

  it('asks the provider only for the 10 of 100 ids not yet cached, in one batch', async () => {
    const { crm, asked } = recording(hubspot);
    const cached = cachedFor('token-a', crm);
    const ids = sandbox.dataset.contacts.slice(0, 100).map((c) => c.crmId);
    await cached.getContacts(ids.slice(0, 90));
    sandbox.counters.reset();
    asked.length = 0;
    const contacts = await cached.getContacts(ids);
    expect(asked).toEqual([ids.slice(90)]);
    expect(sandbox.counters.snapshot().byEndpoint.hubspot).toEqual({
      'POST /crm/v3/objects/{objectType}/batch/read': 1,
    });
    expect(contacts.map((c: Contact | null) => c?.id)).toEqual(ids);
    expect(contacts[5]?.createdAt).toBeInstanceOf(Date);
  });

  it('never shares an entry between two credentials', async () => {
    const a = recording(hubspot);
    const b = recording(hubspot);
    const id = sandbox.dataset.contacts[120]?.crmId as string;
    await cachedFor('token-a', a.crm).getContacts([id]);
    // A second cache of the same credential (another replica) finds the first one's entry in the store.
    await writesSettled();
    await cachedFor('token-a', a.crm).getContacts([id]);
    expect(a.asked).toEqual([[id]]);
    await cachedFor('token-b', b.crm).getContacts([id]);
    expect(b.asked).toEqual([[id]]);
  });

  it('joins concurrent requests for the same ids into one provider call (single flight)', async () => {
    const { crm, asked } = recording(hubspot);
    const cached = cachedFor('token-c', crm);
    const ids = sandbox.dataset.contacts.slice(200, 210).map((c) => c.crmId);
    const [one, two] = await Promise.all([cached.getContacts(ids), cached.getContacts([...ids].reverse())]);
    expect(asked).toEqual([ids]);
    expect(two.map((c) => c?.id)).toEqual([...ids].reverse());
    expect(one.map((c) => c?.id)).toEqual(ids);
  });

  it('remembers "not found" as well, briefly', async () => {
    const { crm, asked } = recording(hubspot);
    const cached = cachedFor('token-d', crm);
    expect(await cached.getContacts(['1'])).toEqual([null]);
    expect(await cached.getContacts(['1'])).toEqual([null]);
    expect(asked).toEqual([['1']]);
  });
});
