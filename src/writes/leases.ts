import type { RedisConnection } from '../redis/client.js';

/**
 * Time-limited holds on a name (an undo being run, the sweeper's turn): one holder at a time, and a
 * holder that dies lets go by itself when its lease lapses. The holder renews while it works.
 */
export interface Leases {
  /** Takes `name` for `owner` for `ms` when nobody holds it; false when someone (even `owner`) does. */
  acquire(name: string, owner: string, ms: number): Promise<boolean>;
  /** Extends `owner`'s hold by `ms` from now; false when it is no longer theirs. */
  renew(name: string, owner: string, ms: number): Promise<boolean>;
  /** Lets go, if `owner` still holds it. */
  release(name: string, owner: string): Promise<void>;
}

export class MemoryLeases implements Leases {
  private readonly held = new Map<string, { owner: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  private holder(name: string): string | null {
    const lease = this.held.get(name);
    if (!lease || lease.until <= this.now()) return null;
    return lease.owner;
  }

  acquire(name: string, owner: string, ms: number): Promise<boolean> {
    if (this.holder(name) !== null) return Promise.resolve(false);
    this.held.set(name, { owner, until: this.now() + ms });
    return Promise.resolve(true);
  }

  renew(name: string, owner: string, ms: number): Promise<boolean> {
    if (this.holder(name) !== owner) return Promise.resolve(false);
    this.held.set(name, { owner, until: this.now() + ms });
    return Promise.resolve(true);
  }

  release(name: string, owner: string): Promise<void> {
    if (this.holder(name) === owner) this.held.delete(name);
    return Promise.resolve();
  }
}

/** Compare-and-act on the holder, in one step on the server, so a lapsed holder never touches a new one's lease. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Leases in Redis (`SET NX PX`), shared by every replica; Redis's clock decides when one lapses. */
export class RedisLeases implements Leases {
  constructor(
    private readonly client: RedisConnection,
    private readonly prefix = 'concord:lease:',
  ) {}

  async acquire(name: string, owner: string, ms: number): Promise<boolean> {
    return this.client.set(this.prefix + name, owner, { nx: true, px: ms });
  }

  async renew(name: string, owner: string, ms: number): Promise<boolean> {
    const renewed = await this.client.eval<number>(RENEW, [this.prefix + name], [owner, String(ms)]);
    return renewed === 1;
  }

  async release(name: string, owner: string): Promise<void> {
    await this.client.eval(RELEASE, [this.prefix + name], [owner]);
  }
}

export function leasesFor(redis: RedisConnection | null): Leases {
  return redis ? new RedisLeases(redis) : new MemoryLeases();
}
