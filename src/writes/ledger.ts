import type { RedisConnection } from '../redis-client.js';

/** A claim lives this long without an answer; then a retry may run again (provider keys still guard it). */
export const DEFAULT_PENDING_MS = 60_000;
/** A finished mutation answers its retries this long: Stripe keeps its idempotency keys 24 hours. */
export const DEFAULT_RECORD_MS = 24 * 3_600_000;

/** What a mutation's key found in the ledger. */
export type Claim =
  | { state: 'claimed' }
  | { state: 'replay'; record: unknown }
  | { state: 'in-progress' }
  | { state: 'mismatch' };

/**
 * Where mutations record that they ran, keyed by client and clientMutationId: the dedupe record for
 * providers without an idempotency key of their own (HubSpot), and the stored answer for retries.
 */
export interface MutationLedger {
  readonly kind: 'redis' | 'memory';
  /** Claims `key` for a run, or says why not. Throws when the ledger cannot be read. */
  claim(key: string, inputHash: string): Promise<Claim>;
  /** Records the answer of a successful run. */
  complete(key: string, inputHash: string, record: unknown): Promise<void>;
  /** Lets the key run again (a run that failed or was refused changed nothing). */
  release(key: string): Promise<void>;
}

interface Entry {
  state: 'pending' | 'done';
  inputHash: string;
  record?: unknown;
}

function verdict(entry: Entry | null, inputHash: string): Claim {
  if (!entry) return { state: 'in-progress' };
  if (entry.inputHash !== inputHash) return { state: 'mismatch' };
  return entry.state === 'done' ? { state: 'replay', record: entry.record } : { state: 'in-progress' };
}

export class MemoryLedger implements MutationLedger {
  readonly kind = 'memory';
  private readonly entries = new Map<string, { entry: Entry; expiresAt: number }>();

  constructor(
    private readonly ttl = { pendingMs: DEFAULT_PENDING_MS, recordMs: DEFAULT_RECORD_MS },
    private readonly now: () => number = Date.now,
  ) {}

  private read(key: string): Entry | null {
    const held = this.entries.get(key);
    if (!held) return null;
    if (held.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return held.entry;
  }

  claim(key: string, inputHash: string): Promise<Claim> {
    const existing = this.read(key);
    if (existing) return Promise.resolve(verdict(existing, inputHash));
    this.entries.set(key, {
      entry: { state: 'pending', inputHash },
      expiresAt: this.now() + this.ttl.pendingMs,
    });
    return Promise.resolve({ state: 'claimed' });
  }

  complete(key: string, inputHash: string, record: unknown): Promise<void> {
    this.entries.set(key, {
      entry: { state: 'done', inputHash, record },
      expiresAt: this.now() + this.ttl.recordMs,
    });
    return Promise.resolve();
  }

  release(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }
}

/** The ledger in Redis, so a retry that lands on another replica finds the first run's record. */
export class RedisLedger implements MutationLedger {
  readonly kind = 'redis';

  constructor(
    private readonly client: RedisConnection,
    private readonly prefix = 'concord:mutation:',
    private readonly ttl = { pendingMs: DEFAULT_PENDING_MS, recordMs: DEFAULT_RECORD_MS },
  ) {}

  async claim(key: string, inputHash: string): Promise<Claim> {
    const pending: Entry = { state: 'pending', inputHash };
    // SET NX: of two concurrent retries exactly one claims the key.
    const set = await this.client.set(this.prefix + key, JSON.stringify(pending), {
      condition: 'NX',
      expiration: { type: 'PX', value: this.ttl.pendingMs },
    });
    if (set === 'OK') return { state: 'claimed' };
    const raw = await this.client.get(this.prefix + key);
    return verdict(raw ? (JSON.parse(raw) as Entry) : null, inputHash);
  }

  async complete(key: string, inputHash: string, record: unknown): Promise<void> {
    const done: Entry = { state: 'done', inputHash, record };
    await this.client.set(this.prefix + key, JSON.stringify(done), {
      expiration: { type: 'PX', value: this.ttl.recordMs },
    });
  }

  async release(key: string): Promise<void> {
    await this.client.del(this.prefix + key);
  }
}

/** The ledger in Redis when REDIS_URL is set (shared by every replica), else in this process. */
export function ledgerFor(redis: RedisConnection | null): MutationLedger {
  return redis ? new RedisLedger(redis) : new MemoryLedger();
}
