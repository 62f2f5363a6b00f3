import {
  MemoryQuotaStore,
  type QuotaBucket,
  type QuotaStore,
  type QuotaTake,
} from '../../datasources/transport/rate-limiter.js';
import type { SharedRedis } from '../redis/shared-redis.js';

type Commands = Pick<SharedRedis, 'eval'>;

/** Redis's own clock in ms, so replicas' clocks need not agree (as in http/token-bucket.ts). */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * How long a call still out counts as made "now" in Redis: past this it counts as if it had ended
 * then. Only a replica that died mid-call leaves an entry open; a live one ends every call well
 * before (an attempt is cut off by its timeout, 10 s by default).
 */
export const OPEN_CALL_LEASE_MS = 60_000;

/** Sets a key's time to live to `ttl` ms unless it already lives longer (an open call's lease). */
const EXTEND = `
local function extend(key, ttl)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
`;

/**
 * MemoryQuotaStore.take inside Redis, atomically over all the call's buckets. KEYS come in pairs
 * (the bucket's log, a sorted set of call times; its pause key); ARGV[1] is the call's unique
 * member, ARGV[2] the open-call lease, then limit and window per bucket. A call still out is
 * scored at its lease's end (so no trim drops it while it is out) and counts as made now.
 * Returns {granted, waitMs, remaining}.
 */
const TAKE_SCRIPT = `${NOW}${EXTEND}
local buckets = #KEYS / 2
local lease = tonumber(ARGV[2])
local wait = 0
local remaining = -1
for i = 1, buckets do
  local log = KEYS[2 * i - 1]
  local limit = tonumber(ARGV[2 * i + 1])
  local window = tonumber(ARGV[2 * i + 2])
  local paused = redis.call('PTTL', KEYS[2 * i])
  if paused > wait then wait = paused end
  redis.call('ZREMRANGEBYSCORE', log, '-inf', now - window)
  local used = redis.call('ZCARD', log)
  if used >= limit then
    local leaving = redis.call('ZRANGE', log, used - limit, used - limit, 'WITHSCORES')
    local w = math.max(1, math.min(tonumber(leaving[2]), now) + window - now)
    if w > wait then wait = w end
  elseif remaining < 0 or limit - used - 1 < remaining then
    remaining = limit - used - 1
  end
end
if wait > 0 then return {0, wait, 0} end
for i = 1, buckets do
  redis.call('ZADD', KEYS[2 * i - 1], now + lease, ARGV[1])
  extend(KEYS[2 * i - 1], lease + tonumber(ARGV[2 * i + 2]))
end
return {1, 0, remaining}
`;

/** MemoryQuotaStore.complete: the call (ARGV[1]) is rescored to now; ARGV[i + 1] is KEYS[i]'s window. */
const COMPLETE_SCRIPT = `${NOW}${EXTEND}
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[1])
  extend(KEYS[i], tonumber(ARGV[i + 1]))
end
return 0
`;

/** MemoryQuotaStore.settle: phantom calls until `remaining` (ARGV[3]) is all the log has left. */
const SETTLE_SCRIPT = `${NOW}${EXTEND}
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
for j = used + 1, limit - tonumber(ARGV[3]) do
  redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. j)
end
extend(KEYS[1], window)
return 0
`;

/** MemoryQuotaStore.pause: a longer pause already set wins. */
const PAUSE_SCRIPT = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 0
`;

/** Provider quotas in Redis: one sliding log per provider × credential × window for every replica. */
export class RedisQuotaStore implements QuotaStore {
  constructor(
    private readonly client: Commands,
    private readonly leaseMs: number = OPEN_CALL_LEASE_MS,
  ) {}

  async take(buckets: readonly QuotaBucket[], member: string): Promise<QuotaTake> {
    // One script over every bucket of the call: on a cluster their keys share a hash tag (one slot).
    const [granted, waitMs, remaining] = await this.client.eval<[number, number, number]>(
      TAKE_SCRIPT,
      buckets.flatMap((b) => [b.key, `${b.key}:paused`]),
      [member, String(this.leaseMs), ...buckets.flatMap((b) => [String(b.limit), String(b.windowMs)])],
    );
    return { granted: granted === 1, waitMs, remaining };
  }

  async complete(buckets: readonly QuotaBucket[], member: string): Promise<void> {
    await this.client.eval(
      COMPLETE_SCRIPT,
      buckets.map((b) => b.key),
      [member, ...buckets.map((b) => String(b.windowMs))],
    );
  }

  async settle(bucket: QuotaBucket, remaining: number, member: string): Promise<void> {
    await this.client.eval(
      SETTLE_SCRIPT,
      [bucket.key],
      [String(bucket.limit), String(bucket.windowMs), String(remaining), member],
    );
  }

  async pause(bucket: QuotaBucket, ms: number): Promise<void> {
    await this.client.eval(PAUSE_SCRIPT, [`${bucket.key}:paused`], [String(Math.ceil(ms))]);
  }
}

/**
 * Redis first, this process's own logs while it fails: the connection fails at once while Redis
 * is down (redis-client.ts), and every call tries Redis again, so shared limiting resumes by
 * itself when Redis is back. Calls granted by Redis are noted locally too, so a fallback starts
 * from this replica's recent calls rather than from an empty window. The way back is the same:
 * a Redis that restarted empty knows nothing of the calls made meanwhile, so this replica's own
 * log must have room too, and after a fallback each window is first told this replica's calls.
 */
export class FallbackQuotaStore implements QuotaStore {
  /** Buckets whose shared log has been told this replica's calls since the last fallback. */
  private readonly told = new Set<string>();
  private fellBack = false;

  constructor(
    private readonly shared: QuotaStore,
    private readonly local: MemoryQuotaStore,
  ) {}

  async take(buckets: readonly QuotaBucket[], member: string): Promise<QuotaTake> {
    const sharedUp = this.fellBack
      ? await this.tell(buckets, member).then(
          () => true,
          () => false,
        )
      : true;
    // This replica's own calls are a floor of what the provider has counted.
    const localWait = this.local.waitMs(buckets);
    if (localWait > 0) return { granted: false, waitMs: localWait, remaining: 0 };
    if (!sharedUp) return this.local.take(buckets, member);
    let taken: QuotaTake;
    try {
      taken = await this.shared.take(buckets, member);
    } catch {
      this.fellBack = true;
      this.told.clear();
      return this.local.take(buckets, member);
    }
    if (taken.granted) this.local.note(buckets, member);
    return taken;
  }

  /** Ends the call here always, and in the shared log if it can (else its lease ends it there). */
  async complete(buckets: readonly QuotaBucket[], member: string): Promise<void> {
    await this.local.complete(buckets, member);
    await this.shared.complete(buckets, member).catch(() => undefined);
  }

  /** Phantom calls in the shared log for this replica's calls of the current window (settle never frees room). */
  private async tell(buckets: readonly QuotaBucket[], member: string): Promise<void> {
    for (const bucket of buckets) {
      if (this.told.has(bucket.key)) continue;
      await this.shared.settle(bucket, bucket.limit - this.local.used(bucket), `${member}:told`);
      this.told.add(bucket.key);
    }
  }

  async settle(bucket: QuotaBucket, remaining: number, member: string): Promise<void> {
    await this.local.settle(bucket, remaining);
    await this.shared.settle(bucket, remaining, member).catch(() => undefined);
  }

  async pause(bucket: QuotaBucket, ms: number): Promise<void> {
    await this.local.pause(bucket, ms);
    await this.shared.pause(bucket, ms).catch(() => undefined);
  }
}

/** Shared through Redis when there is one (with this process's logs as the fallback), else this process's. */
export function providerQuotaStore(redis: Commands | null): QuotaStore {
  const local = new MemoryQuotaStore();
  return redis ? new FallbackQuotaStore(new RedisQuotaStore(redis), local) : local;
}
