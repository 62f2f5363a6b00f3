import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ModelChanges } from '../../datasources/changes.js';
import type { PolledChanges } from '../../datasources/provider-descriptor.js';
import type { RedisConnection } from '../redis/client.js';
import type { Leases } from '../writes/leases.js';

/** Where a provider's poll resumes: shared by replicas through Redis, or one process's memory. */
export interface WatermarkStore {
  get(provider: string): Promise<string | null>;
  set(provider: string, watermark: string): Promise<void>;
}

export class MemoryWatermarks implements WatermarkStore {
  private readonly values = new Map<string, string>();
  get(provider: string): Promise<string | null> {
    return Promise.resolve(this.values.get(provider) ?? null);
  }
  set(provider: string, watermark: string): Promise<void> {
    this.values.set(provider, watermark);
    return Promise.resolve();
  }
}

export class RedisWatermarks implements WatermarkStore {
  constructor(
    private readonly client: RedisConnection,
    private readonly prefix = 'concord:poll:',
  ) {}
  get(provider: string): Promise<string | null> {
    return this.client.get(`${this.prefix}${provider}:watermark`);
  }
  async set(provider: string, watermark: string): Promise<void> {
    await this.client.set(`${this.prefix}${provider}:watermark`, watermark);
  }
}

export function watermarksFor(redis: RedisConnection | null): WatermarkStore {
  return redis ? new RedisWatermarks(redis) : new MemoryWatermarks();
}

export interface ChangePollOptions {
  provider: string;
  source: { poll(watermark: string | null): Promise<PolledChanges> };
  leases: Leases;
  watermarks: WatermarkStore;
  /** What a webhook delivery's changes get: the cache forgets first, then subscribers hear. */
  apply: (changes: ModelChanges) => Promise<void>;
  intervalMs: number;
  logger: Logger;
}

/** A poll's lease outlives a slow poll (several calls, each with its timeout) but not a dead replica by long. */
const MIN_LEASE_MS = 30_000;

/**
 * Change detection for providers without webhooks: every interval one replica (the holder of a
 * Redis lease) reads the changes since the shared watermark, applies them as a webhook delivery's
 * would be, and moves the watermark on. The others find the lease taken and skip; a replica that
 * polls right after finds the watermark already moved, and the window too short to read.
 */
export class ChangePollRunner {
  private readonly owner = randomUUID();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly options: ChangePollOptions) {}

  /** One round: `polled` when this replica held the lease and read a window, `skipped` when another did. */
  async runOnce(): Promise<'polled' | 'skipped'> {
    const { provider, leases, watermarks, source, apply, intervalMs } = this.options;
    const lease = `poll:${provider}`;
    if (!(await leases.acquire(lease, this.owner, Math.max(MIN_LEASE_MS, 2 * intervalMs)))) return 'skipped';
    try {
      const polled = await source.poll(await watermarks.get(provider));
      await apply(polled.changes);
      // Moved on only once applied: a failure here means the window is read again next time.
      await watermarks.set(provider, polled.watermark);
      return 'polled';
    } finally {
      await leases.release(lease, this.owner);
    }
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      if (this.running) return;
      this.running = this.runOnce()
        .then((outcome) => {
          if (outcome === 'polled')
            this.options.logger.debug({ provider: this.options.provider }, 'change poll');
        })
        .catch((error: unknown) => {
          this.options.logger.warn({ err: error, provider: this.options.provider }, 'change poll failed');
        })
        .finally(() => {
          this.running = null;
        });
    };
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
