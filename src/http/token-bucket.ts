import type { SharedRedis } from '../redis/shared-redis.js';

/** One client's allowance: `capacity` requests in a burst, refilled at `capacity` per `windowS`. */
export interface BucketSettings {
  capacity: number;
  windowS: number;
}

export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Milliseconds until the next token, when refused. */
  retryAfterMs: number;
}

export interface BucketStore {
  take(key: string, settings: BucketSettings): Promise<TakeResult>;
}

function refillPerMs({ capacity, windowS }: BucketSettings): number {
  return capacity / (windowS * 1000);
}

/** The arithmetic both stores share: refill since the last visit, then take one token if there is one. */
export function takeToken(
  state: { tokens: number; at: number } | undefined,
  now: number,
  settings: BucketSettings,
): { state: { tokens: number; at: number }; result: TakeResult } {
  const rate = refillPerMs(settings);
  const tokens = state
    ? Math.min(settings.capacity, state.tokens + Math.max(0, now - state.at) * rate)
    : settings.capacity;
  if (tokens >= 1) {
    return {
      state: { tokens: tokens - 1, at: now },
      result: { allowed: true, remaining: Math.floor(tokens - 1), retryAfterMs: 0 },
    };
  }
  return {
    state: { tokens, at: now },
    result: { allowed: false, remaining: 0, retryAfterMs: Math.ceil((1 - tokens) / rate) },
  };
}

/** Buckets in this process only: for a single replica, and as the fallback when Redis fails. */
export class MemoryBuckets implements BucketStore {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async take(key: string, settings: BucketSettings): Promise<TakeResult> {
    const { state, result } = takeToken(this.buckets.get(key), this.now(), settings);
    this.buckets.set(key, state);
    // Full buckets carry no information; dropping them keeps the map to clients seen recently.
    if (state.tokens >= settings.capacity - 1 && this.buckets.size > 10_000) this.buckets.delete(key);
    return result;
  }
}

/**
 * The same arithmetic as takeToken, run atomically inside Redis on Redis's own clock, so every
 * replica draws from one bucket per client and replicas' clocks need not agree.
 */
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(saved[1])
local at = tonumber(saved[2])
if tokens == nil then tokens = capacity else tokens = math.min(capacity, tokens + math.max(0, now - at) * rate) end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate) + 1000)
return {allowed, math.floor(tokens), wait}
`;

export class RedisBuckets implements BucketStore {
  constructor(
    private readonly client: Pick<SharedRedis, 'eval'>,
    private readonly prefix: string,
  ) {}

  async take(key: string, settings: BucketSettings): Promise<TakeResult> {
    const reply = await this.client.eval<[number, number, number]>(
      TAKE_SCRIPT,
      [`${this.prefix}:${key}`],
      [String(settings.capacity), String(refillPerMs(settings))],
    );
    const [allowed, remaining, wait] = reply;
    return { allowed: allowed === 1, remaining, retryAfterMs: wait };
  }
}
