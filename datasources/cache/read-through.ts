import { createHash } from 'node:crypto';
import { ProviderError, ProviderErrorCode } from '../transport/errors.js';
import { currentRequestScope } from '../transport/request-scope.js';
import { decode, encode } from './codec.js';
import type { LocalTier } from './local-tier.js';
import type { CacheStats } from './stats.js';
import type { CacheStore } from './store.js';
import { NEGATIVE_TTL_SECONDS, type CacheKind, type TtlPolicy } from './ttl.js';

/** Bumped when the entry format changes, so old entries are simply not found. */
const KEY_VERSION = 'v1';

/**
 * How long a cache write made outside a client's request waits before it is encoded and sent: a
 * few writes made together go as one command.
 */
export const DEFAULT_WRITE_DELAY_MS = 10;
/**
 * How long a write made while serving a client's request waits at most for that answer to be sent
 * (the gateway calls `startWrites` then). A cold dashboard's levels are 20 ms or more apart and each
 * level's answers come in over tens of ms; encoding a page of 100 charges takes a few ms of this one
 * thread, and a write started 10 ms after its answer met the next answers of the same level and
 * the next level's dispatch (bench/cold-trace). Waiting for the answer takes that work off every
 * cold request's critical path; the bound keeps a long request (a 90-day metrics walk) writing as it
 * goes, and other replicas see an entry at most this much later.
 */
export const IN_REQUEST_WRITE_DELAY_MS = 1_000;

interface Entry<V> {
  /** The value (null for "not found"). */
  v: V;
  /** Fresh until (epoch ms); after that it may only be served while the provider is failing. */
  f: number;
  /** List generation it was stored under (lists only). */
  g?: number;
}

export interface ReadThroughOptions {
  store: CacheStore;
  stats: CacheStats;
  policy: TtlPolicy;
  provider: string;
  /** A fingerprint of the credential in use: two keys or tenants never share an entry. */
  credentialFingerprint: string;
  /** Decoded entries in this process, in front of the store (optional). */
  local?: LocalTier;
  /** Told the keys an invalidation removed, so other replicas drop their local copies too. */
  onInvalidate?: (keys: readonly string[]) => Promise<void>;
  /** Told about a cache write that failed (it is counted as a store error too); the answer stands. */
  onWriteError?: (error: unknown) => void;
  /** How long a write made outside a client's request waits before it is encoded and sent (DEFAULT_WRITE_DELAY_MS). */
  writeDelayMs?: number;
  /** How long a write made while serving a request waits at most for its answer (IN_REQUEST_WRITE_DELAY_MS). */
  requestWriteDelayMs?: number;
  now?: () => number;
}

/** A write not yet encoded nor sent; reads of this process see its entry meanwhile. */
interface Deferred {
  key: string;
  entry: Entry<unknown>;
  ttlMs: number;
  /** The local tier's invalidation count when it was made: one since drops the write. */
  epoch: number;
}

/**
 * Failures during which a stale entry is better than no answer: the provider failing or slow, its
 * circuit open, and any rate limit, its own 429 or our refusal to queue more calls for it.
 */
function isOutage(error: unknown): boolean {
  return error instanceof ProviderError && (error.retryable || error.code === ProviderErrorCode.RATE_LIMITED);
}

export function credentialFingerprint(provider: string, credential: string): string {
  return createHash('sha256').update(`${provider}\u0000${credential}`).digest('base64url').slice(0, 22);
}

/**
 * Read-through caching for one provider and credential: entity batches (only the missing ids go
 * upstream), whole calls keyed by their parameters, single-flight across concurrent requests, and
 * stale entries served (and flagged on the request) when the provider fails.
 */
export class ReadThroughCache {
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Cache writes still going: nobody waits for them on a read (see writeBehind). */
  private readonly pendingWrites = new Set<Promise<void>>();
  /** Writes waiting for their turn (see writeBehind), one group per write, and their entries by key. */
  private deferredGroups: Deferred[][] = [];
  private readonly deferred = new Map<string, Deferred>();
  private flushTimer: NodeJS.Timeout | undefined;
  /** When the timer above fires (epoch ms of `now`). */
  private flushDue = 0;
  private readonly now: () => number;

  constructor(private readonly options: ReadThroughOptions) {
    this.now = options.now ?? Date.now;
  }

  get provider(): string {
    return this.options.provider;
  }

  key(kind: CacheKind | string, id: string): string {
    const { provider, credentialFingerprint: fp } = this.options;
    return `concord:${KEY_VERSION}:${provider}:${fp}:${kind}:${id}`;
  }

  /**
   * Values for `ids` in order. Cached fresh values are used; only the rest are fetched (with ids
   * another request is already fetching joined rather than asked again). `null` results are
   * cached briefly as "not found".
   */
  async batch<V>(
    kind: CacheKind,
    ids: readonly string[],
    fetch: (missing: string[]) => Promise<V[]>,
  ): Promise<V[]> {
    const unique = [...new Set(ids)];
    const keys = unique.map((id) => this.key(kind, id));
    const entries = await this.read<V>(keys);
    const found = new Map<string, V>();
    const stale = new Map<string, V>();
    // The first failure, thrown only once every joined fetch has settled: a joined promise left
    // unawaited would reject with no handler and take the process down.
    let failure: { error: unknown } | undefined;
    const fail = (error: unknown) => {
      failure ??= { error };
    };
    const waiting: Array<Promise<void>> = [];
    const toFetch: string[] = [];
    unique.forEach((id, i) => {
      const entry = entries[i];
      if (entry && entry.f > this.now()) {
        found.set(id, entry.v);
        return;
      }
      if (entry) stale.set(id, entry.v);
      const pending = this.inflight.get(keys[i] as string) as Promise<V> | undefined;
      if (pending) {
        // Never rejects: a failure is recorded (or answered from stale) instead.
        waiting.push(
          pending.then(
            (v) => void found.set(id, v),
            (error: unknown) => {
              if (!isOutage(error) || !stale.has(id)) return fail(error);
              found.set(id, stale.get(id) as V);
              this.flagStale(1);
            },
          ),
        );
      } else toFetch.push(id);
    });
    this.count('hits', found.size);
    this.count('misses', unique.length - found.size);

    if (toFetch.length > 0) {
      // A fetch that throws before returning its promise still goes through the handling below.
      const fetching = Promise.resolve().then(() => fetch(toFetch));
      toFetch.forEach((id, i) => {
        const key = this.key(kind, id);
        const one = fetching.then((values) => values[i] as V);
        one.catch(() => undefined);
        this.inflight.set(key, one);
        void one.finally(() => this.inflight.delete(key)).catch(() => undefined);
      });
      try {
        const values = await fetching;
        toFetch.forEach((id, i) => found.set(id, values[i] as V));
        this.writeBehind(
          kind,
          toFetch.map((id, i) => ({ key: this.key(kind, id), value: values[i] as V })),
        );
      } catch (error) {
        if (!isOutage(error) || !toFetch.every((id) => stale.has(id))) fail(error);
        else {
          for (const id of toFetch) found.set(id, stale.get(id) as V);
          this.flagStale(toFetch.length);
        }
      }
    }
    await Promise.all(waiting);
    if (failure) throw failure.error;
    return ids.map((id) => found.get(id) as V);
  }

  /** One whole answer (a list page, an aggregate) keyed by its full parameters. */
  async call<V>(kind: CacheKind, params: unknown, fetch: () => Promise<V>): Promise<V> {
    const digest = createHash('sha256').update(encode(params)).digest('base64url').slice(0, 32);
    const key = this.key(kind, digest);
    const generationKey = this.key(kind, 'generation');
    const [generationEntry, entry] = await this.read<number | V>([generationKey, key]);
    const generation = typeof generationEntry?.v === 'number' ? generationEntry.v : 0;
    // No generation stored yet (nothing of this kind was ever invalidated) is generation 0. Held
    // locally like any entry, so a warm call needs no Redis round trip for a key that is absent;
    // an invalidation deletes it here and on every replica, as it does a stored generation.
    if (generationEntry === undefined)
      this.holdLocally(generationKey, { v: 0, f: this.now() + this.options.policy.ttlMs[kind] });
    const current = entry && entry.g === generation ? (entry as Entry<V>) : undefined;
    if (current && current.f > this.now()) {
      this.count('hits');
      return current.v;
    }
    this.count('misses');
    const pending = this.inflight.get(key) as Promise<V> | undefined;
    if (pending) {
      // Joining another request's fetch: its failure falls back to this request's stale copy too.
      try {
        return await pending;
      } catch (error) {
        if (!current || !isOutage(error)) throw error;
        this.flagStale(1);
        return current.v;
      }
    }
    const fetching = Promise.resolve().then(fetch);
    this.inflight.set(key, fetching);
    try {
      const value = await fetching;
      this.writeBehind(kind, [{ key, value, generation }]);
      return value;
    } catch (error) {
      if (!current || !isOutage(error)) throw error;
      this.flagStale(1);
      return current.v;
    } finally {
      this.inflight.delete(key);
    }
  }

  /**
   * Stores values already fetched some other way (e.g. found by email) under their own ids, in
   * the background like every read's write.
   */
  put<V>(kind: CacheKind, entries: ReadonlyArray<{ id: string; value: V }>): void {
    this.writeBehind(
      kind,
      entries.map(({ id, value }) => ({ key: this.key(kind, id), value })),
    );
  }

  /** Makes every write still waiting for its turn now (e.g. once an answer is sent). */
  startWrites(): void {
    if (this.deferredGroups.length > 0) this.flushDeferred();
  }

  /** Starts every waiting write now, then settles once all have settled (shutdown, tests); never rejects. */
  async writesSettled(): Promise<void> {
    this.flushDeferred();
    while (this.pendingWrites.size > 0) await Promise.all([...this.pendingWrites]);
  }

  /** Forgets entities, and every cached list of `listKinds`, so the next read asks the provider. */
  async invalidate(
    kind: CacheKind,
    ids: readonly string[],
    listKinds: readonly CacheKind[] = ['lists'],
  ): Promise<void> {
    const keys = ids.map((id) => this.key(kind, id));
    const generationKeys = listKinds.map((k) => this.key(k, 'generation'));
    for (const key of [...keys, ...generationKeys]) this.deferred.delete(key);
    this.options.local?.delete([...keys, ...generationKeys]);
    await this.options.store.deleteMany(keys);
    // A new generation makes every list page stored under the old one unreachable at once.
    await this.options.store.setMany(
      listKinds.map((k) => ({
        key: this.key(k, 'generation'),
        value: encode({ v: this.now(), f: Number.MAX_SAFE_INTEGER }),
        ttlMs: this.options.policy.staleMs + this.options.policy.ttlMs[k],
      })),
    );
    await this.options.onInvalidate?.([...keys, ...generationKeys]);
  }

  /** Fresh entries from this process's tier; the rest (and every stale one) from the store. */
  private async read<V>(keys: readonly string[]): Promise<Array<Entry<V> | undefined>> {
    const { local } = this.options;
    const now = this.now();
    const epoch = local?.deletions ?? 0;
    const entries: Array<Entry<V> | undefined> = keys.map((key) => {
      // A queued write is the newest entry there is, fresh or (to a caller in an outage) stale.
      const waiting = this.deferred.get(key);
      if (waiting && waiting.epoch === epoch) return waiting.entry as Entry<V>;
      const held = local?.get(key) as Entry<V> | undefined;
      return held && held.f > now ? held : undefined;
    });
    const missing = keys.filter((_, i) => entries[i] === undefined);
    if (local && missing.length < keys.length)
      this.options.stats.add(this.options.provider, 'localHits', keys.length - missing.length);
    if (missing.length === 0) return entries;
    const raw = await this.options.store.getMany(missing);
    let next = 0;
    return entries.map((held, i) => {
      if (held) return held;
      const text = raw[next++];
      if (text === undefined) return undefined;
      try {
        const entry = decode<Entry<V>>(text);
        local?.set(keys[i] as string, entry, text.length, entry.f);
        return entry;
      } catch {
        return undefined;
      }
    });
  }

  /**
   * Queues a write and returns at once: an answer never waits for the store, nor for the encoding
   * (see IN_REQUEST_WRITE_DELAY_MS and DEFAULT_WRITE_DELAY_MS). Still correct for readers: until the write is made, reads of this
   * process get its entry from the queue; an invalidation here drops the queued entries it names,
   * and any invalidation heard by the local tier (here or from another replica) drops every write
   * queued before it, so a write never brings back what was invalidated. A failed write is counted
   * and reported, never thrown: the next read misses and asks the provider again.
   */
  private writeBehind<V>(
    kind: CacheKind,
    items: ReadonlyArray<{ key: string; value: V; generation?: number }>,
  ): void {
    if (items.length === 0) return;
    const { ttlMs, staleMs } = this.options.policy;
    const now = this.now();
    const epoch = this.options.local?.deletions ?? 0;
    const group = items.map(({ key, value, generation }): Deferred => {
      const fresh = value === null ? Math.min(ttlMs[kind], NEGATIVE_TTL_SECONDS * 1000) : ttlMs[kind];
      const entry: Entry<unknown> = {
        v: value,
        f: now + fresh,
        ...(generation === undefined ? {} : { g: generation }),
      };
      const write = { key, entry, ttlMs: fresh + staleMs, epoch };
      this.deferred.set(key, write);
      return write;
    });
    this.deferredGroups.push(group);
    // Inside a client's request the answer going out starts the writes (startWrites); the timer is
    // the bound. Outside one, only the timer does.
    const delay = currentRequestScope()
      ? (this.options.requestWriteDelayMs ?? IN_REQUEST_WRITE_DELAY_MS)
      : (this.options.writeDelayMs ?? DEFAULT_WRITE_DELAY_MS);
    if (this.flushTimer && this.flushDue <= now + delay) return;
    clearTimeout(this.flushTimer);
    this.flushDue = now + delay;
    this.flushTimer = setTimeout(() => this.flushDeferred(), delay);
    this.flushTimer.unref();
  }

  /** Encodes and sends every queued write that is still current: one store command per group. */
  private flushDeferred(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const groups = this.deferredGroups;
    this.deferredGroups = [];
    const { local } = this.options;
    const epoch = local?.deletions ?? 0;
    for (const group of groups) {
      const current = group.filter((write) => {
        if (this.deferred.get(write.key) !== write) return false; // superseded, or invalidated here
        this.deferred.delete(write.key);
        return write.epoch === epoch;
      });
      if (current.length === 0) continue;
      let sent: Promise<void>;
      try {
        sent = this.options.store.setMany(
          current.map(({ key, entry, ttlMs }) => {
            const text = encode(entry);
            local?.set(key, entry, text.length, entry.f);
            return { key, value: text, ttlMs };
          }),
        );
      } catch (error) {
        sent = Promise.reject(error);
      }
      const tracked: Promise<void> = sent
        .catch((error: unknown) => this.writeFailed(error))
        .finally(() => this.pendingWrites.delete(tracked));
      this.pendingWrites.add(tracked);
    }
  }

  private writeFailed(error: unknown): void {
    this.count('errors');
    try {
      this.options.onWriteError?.(error);
    } catch {
      // A reporter that throws must not turn into an unhandled rejection.
    }
  }

  private holdLocally(key: string, entry: Entry<unknown>): void {
    this.options.local?.set(key, entry, key.length, entry.f);
  }

  private count(field: 'hits' | 'misses' | 'errors', n = 1): void {
    if (n > 0) this.options.stats.add(this.options.provider, field, n);
  }

  private flagStale(n: number): void {
    this.options.stats.add(this.options.provider, 'staleServed', n);
    const scope = currentRequestScope();
    if (scope) scope.stale.set(this.options.provider, (scope.stale.get(this.options.provider) ?? 0) + n);
  }
}
