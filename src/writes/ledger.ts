import type { RedisConnection } from '../redis/client.js';
import type { Compensation, RolledBack } from './compensation.js';
import type { Progress } from './resume.js';

/** A claim lives this long without an answer; then a retry may run again (provider keys still guard it). */
export const DEFAULT_PENDING_MS = 60_000;
/** A finished mutation answers its retries this long: Stripe keeps its idempotency keys 24 hours. */
export const DEFAULT_RECORD_MS = 24 * 3_600_000;

/** What a mutation's key found in the ledger. */
export type Claim =
  | { state: 'claimed' }
  | { state: 'replay'; record: unknown }
  | { state: 'in-progress' }
  /**
   * A run that recorded progress and has not ended: still running if someone holds its lease,
   * else stopped part-way (a sweeper, or this retry, finishes it with the same provider keys).
   */
  | { state: 'unfinished'; progress: Progress }
  /** It failed part-way and what it wrote is still being undone. */
  | { state: 'compensating' }
  | { state: 'rolled-back'; rolledBack: RolledBack }
  | { state: 'mismatch' };

/** An undo still owed, as the ledger holds it. */
export interface PendingCompensation {
  key: string;
  inputHash: string;
  compensation: Compensation;
}

/** A mutation whose run recorded progress and has not ended (yet, or ever: its process died). */
export interface PendingProgress {
  key: string;
  inputHash: string;
  progress: Progress;
}

/** What is owed: undos to run, and runs to finish (if nobody holds their lease). */
export interface Owed {
  pending: PendingCompensation[];
  unfinished: PendingProgress[];
  /** Keys whose record lapsed before they were finished (given up; the caller logs them). */
  expired: string[];
}

/**
 * Where mutations record that they ran, keyed by client and clientMutationId: the dedupe record for
 * providers without an idempotency key of their own (HubSpot), the stored answer for retries, and
 * the undos still owed by mutations that failed part-way (so any replica can finish them).
 */
export interface MutationLedger {
  readonly kind: 'redis' | 'memory';
  /** Claims `key` for a run, or says why not. Throws when the ledger cannot be read. */
  claim(key: string, inputHash: string): Promise<Claim>;
  /** Records the answer of a successful run. */
  complete(key: string, inputHash: string, record: unknown): Promise<void>;
  /** Lets the key run again (a run that failed or was refused changed nothing). */
  release(key: string): Promise<void>;
  /**
   * Records how far a running mutation got, before its next provider write: retries still answer
   * "in progress", and if the run never ends, a sweeper finishes it from this record.
   */
  recordProgress(key: string, inputHash: string, progress: Progress): Promise<void>;
  /** Records an undo as owed, before it runs: retries answer "in progress" and sweepers find it. */
  beginCompensation(key: string, inputHash: string, compensation: Compensation): Promise<void>;
  /** Records how the undo ended; retries answer that from now on. */
  finishCompensation(key: string, inputHash: string, rolledBack: RolledBack): Promise<void>;
  /**
   * The undos still owed and the runs that recorded progress and have not ended. `expired`: keys
   * whose record lapsed before they were finished (given up; the caller logs them), dropped.
   */
  pendingCompensations(): Promise<Owed>;
}

interface Entry {
  state: 'pending' | 'done' | 'compensating' | 'rolled-back';
  inputHash: string;
  record?: unknown;
  compensation?: Compensation;
  rolledBack?: RolledBack;
  progress?: Progress;
}

function verdict(entry: Entry | null, inputHash: string): Claim {
  if (!entry) return { state: 'in-progress' };
  if (entry.inputHash !== inputHash) return { state: 'mismatch' };
  switch (entry.state) {
    case 'done':
      return { state: 'replay', record: entry.record };
    case 'compensating':
      return { state: 'compensating' };
    case 'rolled-back':
      return entry.rolledBack
        ? { state: 'rolled-back', rolledBack: entry.rolledBack }
        : { state: 'compensating' };
    default:
      return entry.progress ? { state: 'unfinished', progress: entry.progress } : { state: 'in-progress' };
  }
}

function pendingOf(key: string, entry: Entry | null): PendingCompensation | null {
  return entry?.state === 'compensating' && entry.compensation
    ? { key, inputHash: entry.inputHash, compensation: entry.compensation }
    : null;
}

function unfinishedOf(key: string, entry: Entry | null): PendingProgress | null {
  return entry?.state === 'pending' && entry.progress
    ? { key, inputHash: entry.inputHash, progress: entry.progress }
    : null;
}

/** Sorts the keys of the owed set by what their records say. */
function owedOf(records: ReadonlyArray<[string, Entry | null]>): Owed & { settled: string[] } {
  const owed: Owed & { settled: string[] } = { pending: [], unfinished: [], expired: [], settled: [] };
  for (const [key, entry] of records) {
    const pending = pendingOf(key, entry);
    const unfinished = unfinishedOf(key, entry);
    if (pending) owed.pending.push(pending);
    else if (unfinished) owed.unfinished.push(unfinished);
    else (entry ? owed.settled : owed.expired).push(key);
  }
  return owed;
}

export class MemoryLedger implements MutationLedger {
  readonly kind = 'memory';
  private readonly entries = new Map<string, { entry: Entry; expiresAt: number }>();
  private readonly owed = new Set<string>();

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

  private write(key: string, entry: Entry, ms: number): void {
    this.entries.set(key, { entry, expiresAt: this.now() + ms });
  }

  claim(key: string, inputHash: string): Promise<Claim> {
    const existing = this.read(key);
    if (existing) return Promise.resolve(verdict(existing, inputHash));
    this.write(key, { state: 'pending', inputHash }, this.ttl.pendingMs);
    return Promise.resolve({ state: 'claimed' });
  }

  complete(key: string, inputHash: string, record: unknown): Promise<void> {
    this.write(key, { state: 'done', inputHash, record }, this.ttl.recordMs);
    this.owed.delete(key);
    return Promise.resolve();
  }

  release(key: string): Promise<void> {
    this.entries.delete(key);
    this.owed.delete(key);
    return Promise.resolve();
  }

  recordProgress(key: string, inputHash: string, progress: Progress): Promise<void> {
    this.write(key, { state: 'pending', inputHash, progress }, this.ttl.recordMs);
    this.owed.add(key);
    return Promise.resolve();
  }

  beginCompensation(key: string, inputHash: string, compensation: Compensation): Promise<void> {
    this.write(key, { state: 'compensating', inputHash, compensation }, this.ttl.recordMs);
    this.owed.add(key);
    return Promise.resolve();
  }

  finishCompensation(key: string, inputHash: string, rolledBack: RolledBack): Promise<void> {
    this.write(key, { state: 'rolled-back', inputHash, rolledBack }, this.ttl.recordMs);
    this.owed.delete(key);
    return Promise.resolve();
  }

  pendingCompensations(): Promise<Owed> {
    const { settled, ...owed } = owedOf([...this.owed].map((key) => [key, this.read(key)]));
    for (const key of [...settled, ...owed.expired]) this.owed.delete(key);
    return Promise.resolve(owed);
  }
}

/** The ledger in Redis, so a retry that lands on another replica finds the first run's record. */
export class RedisLedger implements MutationLedger {
  readonly kind = 'redis';

  constructor(
    private readonly client: RedisConnection,
    private readonly prefix = 'concord:mutation:',
    private readonly ttl = { pendingMs: DEFAULT_PENDING_MS, recordMs: DEFAULT_RECORD_MS },
    /** The set of keys whose undo is owed, scanned by the sweeper. */
    private readonly owedKey = 'concord:compensations',
  ) {}

  async claim(key: string, inputHash: string): Promise<Claim> {
    const pending: Entry = { state: 'pending', inputHash };
    // SET NX: of two concurrent retries exactly one claims the key.
    const set = await this.client.set(this.prefix + key, JSON.stringify(pending), {
      nx: true,
      px: this.ttl.pendingMs,
    });
    if (set) return { state: 'claimed' };
    const raw = await this.client.get(this.prefix + key);
    return verdict(raw ? (JSON.parse(raw) as Entry) : null, inputHash);
  }

  private async write(key: string, entry: Entry): Promise<void> {
    await this.client.set(this.prefix + key, JSON.stringify(entry), { px: this.ttl.recordMs });
  }

  async complete(key: string, inputHash: string, record: unknown): Promise<void> {
    await this.write(key, { state: 'done', inputHash, record });
    await this.client.sRem(this.owedKey, [key]);
  }

  async release(key: string): Promise<void> {
    await this.client.del([this.prefix + key]);
    await this.client.sRem(this.owedKey, [key]);
  }

  async recordProgress(key: string, inputHash: string, progress: Progress): Promise<void> {
    // Kept as long as a finished record: the run may be finished by a sweep long after its claim lapsed.
    await this.write(key, { state: 'pending', inputHash, progress });
    await this.client.sAdd(this.owedKey, [key]);
  }

  async beginCompensation(key: string, inputHash: string, compensation: Compensation): Promise<void> {
    // The record first: a sweeper that finds the key in the set always finds what to run.
    await this.write(key, { state: 'compensating', inputHash, compensation });
    await this.client.sAdd(this.owedKey, [key]);
  }

  async finishCompensation(key: string, inputHash: string, rolledBack: RolledBack): Promise<void> {
    await this.write(key, { state: 'rolled-back', inputHash, rolledBack });
    await this.client.sRem(this.owedKey, [key]);
  }

  async pendingCompensations(): Promise<Owed> {
    const keys = await this.client.sMembers(this.owedKey);
    if (keys.length === 0) return { pending: [], unfinished: [], expired: [] };
    // Records of many mutations, so of many cluster slots: mGet splits per slot on a cluster.
    const raws = await this.client.mGet(keys.map((key) => this.prefix + key));
    const { settled, ...owed } = owedOf(
      keys.map((key, i) => {
        const raw = raws[i];
        return [key, raw ? (JSON.parse(raw) as Entry) : null];
      }),
    );
    const gone = [...settled, ...owed.expired];
    if (gone.length > 0) await this.client.sRem(this.owedKey, gone);
    return owed;
  }
}

/** The ledger in Redis when REDIS_URL is set (shared by every replica), else in this process. */
export function ledgerFor(redis: RedisConnection | null): MutationLedger {
  return redis ? new RedisLedger(redis) : new MemoryLedger();
}
