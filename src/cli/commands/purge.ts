import { createClient } from '@redis/client';
import { CachedCrm } from '../../../datasources/cache/cached-crm.js';
import { CachedPayments } from '../../../datasources/cache/cached-payments.js';
import {
  CacheStats,
  ReadThroughCache,
  type CacheKind,
  type TtlPolicy,
} from '../../../datasources/cache/index.js';
import type { CrmProvider, PaymentsProvider } from '../../../datasources/model.js';
import { INVALIDATION_CHANNEL } from '../../cache/invalidation-feed.js';
import { createCacheStore } from '../../cache/store.js';
import { readConfig, type CacheConfig } from '../../config.js';
import { fromGlobalId } from '../../relay/global-ids.js';
import { CommandError, EXIT, UsageError, type CliIo } from '../io.js';
import { strictArgs } from '../parse.js';

export const PURGE_USAGE =
  'concord purge <customer|company|deal|account|payments> <id>… [--redis-url URL]\n' +
  '                                   drop cached entries of entities (ids raw or GraphQL global) on every replica';

/** Which provider's cache an entity lives in, and what a webhook for it would invalidate. */
const ENTITIES = {
  customer: { provider: 'hubspot', drop: (c: Invalidators, id: string) => c.crm.invalidateContact(id) },
  company: { provider: 'hubspot', drop: (c: Invalidators, id: string) => c.crm.invalidateCompany(id) },
  deal: { provider: 'hubspot', drop: (c: Invalidators, id: string) => c.crm.invalidateDeal(id) },
  account: { provider: 'stripe', drop: (c: Invalidators, id: string) => c.payments.invalidateAccount(id) },
  payments: { provider: 'stripe', drop: (c: Invalidators, id: string) => c.payments.invalidatePayments(id) },
} as const;
type Entity = keyof typeof ENTITIES;
/** GraphQL types whose global ids name an entity here. */
const BY_TYPE: Record<string, Entity> = { Customer: 'customer', Company: 'company', Deal: 'deal' };

interface Invalidators {
  crm: Pick<CachedCrm, 'invalidateContact' | 'invalidateCompany' | 'invalidateDeal'>;
  payments: Pick<CachedPayments, 'invalidateAccount' | 'invalidatePayments'>;
}

/** Invalidation never calls the provider; anything that tries is a bug worth a loud failure. */
const noProvider = new Proxy(
  {},
  {
    get: (_target, name) => {
      if (name === 'name') return 'purge';
      throw new Error(`purge reached the provider (${String(name)})`);
    },
  },
);

function policyOf(cache: CacheConfig): TtlPolicy {
  const ttlMs = Object.fromEntries(Object.entries(cache.ttlSeconds).map(([k, s]) => [k, s * 1000])) as Record<
    CacheKind,
    number
  >;
  return { ttlMs, staleMs: cache.staleSeconds * 1000 };
}

/** A raw id, or a GraphQL global id of the entity's type. */
function rawId(entity: Entity, id: string): string {
  try {
    const decoded = fromGlobalId(id);
    if (BY_TYPE[decoded.type] !== entity)
      throw new UsageError(`${id} is a ${decoded.type} id, not a ${entity}'s`);
    return decoded.id;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return id;
  }
}

/**
 * Drops entities from the shared cache as a webhook would: for every credential with entries in
 * Redis, their keys are deleted, the list generations moved on, and the keys announced on
 * concord:cache:invalidations, so every replica's local tier drops its copies too.
 */
export async function purge(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = strictArgs(args, { 'redis-url': { type: 'string' } }, true);
  const [entityName, ...given] = positionals;
  if (!entityName || !(entityName in ENTITIES)) {
    throw new UsageError(`name what to purge: ${Object.keys(ENTITIES).join(', ')}`);
  }
  const entity = entityName as Entity;
  if (given.length === 0) throw new UsageError(`name the ${entity} ids to purge`);
  const ids = given.map((id) => rawId(entity, id));

  const config = readConfig(io.env);
  const redisUrl = values['redis-url'] ?? config.cache.redisUrl;
  if (!redisUrl) {
    throw new CommandError(
      'no REDIS_URL (or --redis-url): without Redis each replica caches in its own memory, which only a restart or freshness empties',
    );
  }
  const provider = ENTITIES[entity].provider;
  const redis = createClient({ url: redisUrl, socket: { connectTimeout: 3_000, reconnectStrategy: false } });
  redis.on('error', () => {
    // Reported by the command that failed.
  });
  try {
    await redis.connect();
  } catch (error) {
    throw new CommandError(
      `Redis at ${new URL(redisUrl).host}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const failures: unknown[] = [];
  const store = createCacheStore({ redisUrl, readTimeoutMs: 2_000, onError: (e) => failures.push(e) });
  try {
    // Every credential fingerprint with entries for this provider (`concord:v1:<provider>:<fingerprint>:…`).
    const fingerprints = new Set<string>();
    for await (const keys of redis.scanIterator({ MATCH: `concord:v1:${provider}:*`, COUNT: 1000 })) {
      for (const key of keys) {
        const fingerprint = key.split(':')[3];
        if (fingerprint) fingerprints.add(fingerprint);
      }
    }
    await store.connected;
    if (!(await store.healthy())) throw new CommandError(`Redis at ${new URL(redisUrl).host} did not answer`);
    const policy = policyOf(config.cache);
    let announced = 0;
    for (const fingerprint of fingerprints) {
      const cache = new ReadThroughCache({
        store,
        stats: new CacheStats(),
        policy,
        provider,
        credentialFingerprint: fingerprint,
        onInvalidate: async (keys) => {
          await redis.publish(INVALIDATION_CHANNEL, JSON.stringify({ keys }));
          announced += keys.length;
        },
      });
      const invalidators: Invalidators = {
        crm: new CachedCrm(noProvider as CrmProvider, cache),
        payments: new CachedPayments(noProvider as PaymentsProvider, cache),
      };
      for (const id of ids) await ENTITIES[entity].drop(invalidators, id);
    }
    if (failures.length > 0) throw new CommandError(`Redis refused a write: ${String(failures[0])}`);
    io.out(
      fingerprints.size === 0
        ? `nothing cached for ${provider}: no ${entity} entries to purge`
        : `purged ${entity} ${ids.join(', ')} for ${fingerprints.size} credential(s); ${announced} keys announced on ${INVALIDATION_CHANNEL}`,
    );
    return EXIT.ok;
  } finally {
    await store.close();
    await redis.close();
  }
}
