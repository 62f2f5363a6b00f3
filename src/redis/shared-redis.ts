import { createClient, createCluster } from '@redis/client';
import { groupBySlot } from './slots.js';
import type { RedisTarget } from './target.js';

/**
 * The Redis commands Concord uses, the same whether REDIS_URL names one server or a cluster, so no
 * feature cares which. On a cluster, multi-key commands (MGET, UNLINK, DEL) are split per hash slot
 * by node-redis and sent to each slot's node at once; a script's keys must share one slot (hash
 * tags: `{…}`); pub/sub is sharded (SPUBLISH/SSUBSCRIBE: a message goes to the channel's shard only,
 * not over the whole cluster bus).
 */
export interface SharedRedis {
  readonly topology: RedisTarget['topology'];
  /** Connected and able to answer now; commands fail at once while not (callers fall back). */
  readonly isReady: boolean;
  /** Settles true once first connected, false if the first try failed (it keeps trying). */
  readonly connected: Promise<boolean>;
  get(key: string): Promise<string | null>;
  /** One MGET on a server; on a cluster one per slot, concurrently, answers in `keys` order. */
  mGet(keys: readonly string[]): Promise<Array<string | null>>;
  /** SET with optional PX and NX; false when NX found the key taken. */
  set(key: string, value: string, options?: { px?: number; nx?: boolean }): Promise<boolean>;
  /** Independent SET … PX: one pipeline on a server, concurrent SETs (one pipeline per node) on a cluster. */
  setMany(entries: ReadonlyArray<{ key: string; value: string; px: number }>): Promise<void>;
  del(keys: readonly string[]): Promise<number>;
  unlink(keys: readonly string[]): Promise<number>;
  sAdd(key: string, members: readonly string[]): Promise<number>;
  sRem(key: string, members: readonly string[]): Promise<number>;
  sMembers(key: string): Promise<string[]>;
  /** EVAL; on a cluster every key must hash to one slot (give them one hash tag). */
  eval<T>(script: string, keys: readonly string[], args: readonly string[]): Promise<T>;
  ping(): Promise<void>;
  /** PUBLISH on a server, SPUBLISH on a cluster. */
  publish(channel: string, message: string): Promise<void>;
  /** A subscription on a connection of its own (a subscribing connection can do nothing else). */
  subscribe(options: SubscribeOptions): Subscription;
  /** Graceful when connected, at once otherwise; stops any reconnecting. */
  close(): Promise<void>;
}

export interface SubscribeOptions {
  channel: string;
  onMessage(message: string): void;
  /** Subscribed: the first time, and again each time a dropped connection is back. */
  onReady?(): void;
  /** The connection dropped: messages may be missed until `onReady` again. */
  onLost?(): void;
  onError?(error: unknown): void;
}

export interface Subscription {
  /** Settles once first subscribed (true), or false if the first connection failed. */
  readonly subscribed: Promise<boolean>;
  close(): Promise<void>;
}

export interface SharedRedisOptions {
  connectTimeoutMs: number;
  /** Reconnect attempts back off up to this, and never stop. */
  maxReconnectDelayMs: number;
  onError?(error: unknown): void;
}

function reconnectStrategy(maxMs: number) {
  return (attempt: number) => Math.min(100 * 2 ** attempt, maxMs);
}

function serverClient(url: string, options: SharedRedisOptions) {
  return createClient({
    url,
    // Fail commands at once while disconnected instead of queueing them behind a dead socket.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeoutMs,
      reconnectStrategy: reconnectStrategy(options.maxReconnectDelayMs),
    },
  });
}

type ServerClient = ReturnType<typeof serverClient>;

async function closeClient(client: {
  isOpen: boolean;
  isReady: boolean;
  close(): Promise<unknown>;
  destroy(): unknown;
}): Promise<void> {
  // Still connecting (or reconnecting) means nothing to flush: stop the attempts at once.
  if (client.isReady) await client.close().catch(() => client.destroy());
  else if (client.isOpen) client.destroy();
}

function evalArgs(script: string, keys: readonly string[], args: readonly string[]): string[] {
  return ['EVAL', script, String(keys.length), ...keys, ...args];
}

function setOptions(options?: { px?: number; nx?: boolean }) {
  return {
    ...(options?.nx ? { condition: 'NX' as const } : {}),
    ...(options?.px === undefined
      ? {}
      : { expiration: { type: 'PX' as const, value: Math.max(1, Math.round(options.px)) } }),
  };
}

function serverRedis(url: string, options: SharedRedisOptions): SharedRedis {
  const client = serverClient(url, options);
  client.on('error', (error: unknown) => options.onError?.(error));
  const connected = client.connect().then(
    () => true,
    (error: unknown) => {
      options.onError?.(error);
      return false;
    },
  );
  const subscribe = (sub: SubscribeOptions): Subscription => {
    const subscriber: ServerClient = client.duplicate();
    let subscribed = false;
    let first: (ok: boolean) => void = () => {};
    const subscribedOnce = new Promise<boolean>((resolve) => (first = resolve));
    const lost = () => sub.onLost?.();
    subscriber.on('error', (error: unknown) => {
      sub.onError?.(error);
      lost();
    });
    subscriber.on('end', lost);
    subscriber.on('ready', () => {
      // node-redis subscribes again by itself after a reconnect; the first time is ours to do.
      if (subscribed) return sub.onReady?.();
      subscriber.subscribe(sub.channel, sub.onMessage).then(
        () => {
          subscribed = true;
          first(true);
          sub.onReady?.();
        },
        (error: unknown) => {
          sub.onError?.(error);
          lost();
        },
      );
    });
    subscriber.connect().catch((error: unknown) => {
      sub.onError?.(error);
      first(false);
    });
    return { subscribed: subscribedOnce, close: () => closeClient(subscriber) };
  };
  return {
    topology: 'server',
    get isReady() {
      return client.isReady;
    },
    connected,
    get: (key) => client.get(key),
    mGet: (keys) => client.mGet([...keys]),
    set: async (key, value, opts) => (await client.set(key, value, setOptions(opts))) === 'OK',
    setMany: async (entries) => {
      const multi = client.multi();
      for (const { key, value, px } of entries) multi.set(key, value, setOptions({ px }));
      // A pipeline, not a transaction: entries are independent, and MULTI would hold Redis for all of them.
      await multi.execAsPipeline();
    },
    del: (keys) => client.del([...keys]),
    unlink: (keys) => client.unlink([...keys]),
    sAdd: (key, members) => client.sAdd(key, [...members]),
    sRem: (key, members) => client.sRem(key, [...members]),
    sMembers: (key) => client.sMembers(key),
    eval: <T>(script: string, keys: readonly string[], args: readonly string[]) =>
      client.sendCommand<T>(evalArgs(script, keys, args)),
    ping: async () => {
      await client.ping();
    },
    publish: async (channel, message) => {
      await client.publish(channel, message);
    },
    subscribe,
    close: () => closeClient(client),
  };
}

type Target<T extends RedisTarget['topology']> = Extract<RedisTarget, { topology: T }>;

function clusterClient(target: Target<'cluster'>, options: SharedRedisOptions) {
  return createCluster({
    rootNodes: target.nodes.map((url) => ({ url })),
    // Discovered nodes get these (seeds' settings are not inherited), credentials and TLS included.
    defaults: {
      disableOfflineQueue: true,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      socket: {
        connectTimeout: options.connectTimeoutMs,
        reconnectStrategy: reconnectStrategy(options.maxReconnectDelayMs),
        ...(target.tls ? { tls: true as const } : {}),
      },
    },
  });
}

type ClusterClient = ReturnType<typeof clusterClient>;
type Master = ClusterClient['masters'][number];

/**
 * Positions of `keys` by the master serving their slot now, in slot groups (a multi-key command
 * must stay in one slot); null before the client knows the cluster's slots.
 */
function byMaster(cluster: ClusterClient, keys: readonly string[]): Map<Master, number[][]> | null {
  const masters = new Map<Master, number[][]>();
  for (const [slot, positions] of groupBySlot(keys)) {
    const master = cluster.slots[slot]?.master;
    if (!master) return null;
    const groups = masters.get(master);
    if (groups) groups.push(positions);
    else masters.set(master, [positions]);
  }
  return masters;
}

/**
 * One pipeline per master of one command per slot group: node-redis alone would route every
 * slot's command on its own (a warm dashboard read of 273 keys: p50 16 ms on a local three-master
 * cluster, against 3.3 ms so). A pipeline that fails (slots moved while resharding, a node gone)
 * is done again through the cluster client, which follows redirects and learns the new map.
 */
async function perMaster<R>(
  cluster: ClusterClient,
  keys: readonly string[],
  pipeline: (
    multi: ReturnType<Awaited<ReturnType<ClusterClient['nodeClient']>>['multi']>,
    positions: number[],
  ) => void,
  alone: (positions: number[]) => Promise<R>,
): Promise<Array<{ positions: number[]; reply: R }> | null> {
  const masters = byMaster(cluster, keys);
  if (!masters) return null;
  const done = await Promise.all(
    [...masters].map(async ([master, groups]) => {
      let replies: R[];
      try {
        const multi = (await cluster.nodeClient(master)).multi();
        for (const positions of groups) pipeline(multi, positions);
        replies = (await multi.execAsPipeline()) as unknown as R[];
      } catch {
        replies = await Promise.all(groups.map(alone));
      }
      return groups.map((positions, i) => ({ positions, reply: replies[i] as R }));
    }),
  );
  return done.flat();
}

/**
 * Connects a cluster client, and again after a back-off while the first try fails: unlike one
 * node's client, a cluster client that cannot reach any seed gives up, and Redis back must mean
 * shared state again.
 */
function keepConnecting(
  cluster: ClusterClient,
  options: SharedRedisOptions,
  isClosed: () => boolean,
  onConnected: () => void = () => {},
): Promise<boolean> {
  let first: ((ok: boolean) => void) | null = null;
  const firstTry = new Promise<boolean>((resolve) => (first = resolve));
  const attempt = (n: number) => {
    if (isClosed()) return;
    cluster.connect().then(
      () => {
        first?.(true);
        first = null;
        // Closed while this try was under way: nobody will close it again.
        if (isClosed()) cluster.destroy();
        else onConnected();
      },
      (error: unknown) => {
        options.onError?.(error);
        first?.(false);
        first = null;
        setTimeout(() => attempt(n + 1), reconnectStrategy(options.maxReconnectDelayMs)(n)).unref();
      },
    );
  };
  attempt(0);
  return firstTry;
}

function clusterRedis(target: Target<'cluster'>, options: SharedRedisOptions): SharedRedis {
  const cluster = clusterClient(target, options);
  let closed = false;
  cluster.on('error', (error: unknown) => options.onError?.(error));
  cluster.on('node-error', (error: unknown) => options.onError?.(error));
  const connected = keepConnecting(cluster, options, () => closed);
  const subscribe = (sub: SubscribeOptions): Subscription => {
    // Its own cluster client: its sharded pub/sub connections and their events are this subscription's.
    const subscriber: ClusterClient = cluster.duplicate();
    let subscribed = false;
    let gone = false;
    const lost = () => sub.onLost?.();
    subscriber.on('error', (error: unknown) => sub.onError?.(error));
    // Any of its connections dropping may be the one that listens: count it as lost until ready again.
    subscriber.on('node-error', (error: unknown) => {
      sub.onError?.(error);
      lost();
    });
    subscriber.on('node-reconnecting', lost);
    subscriber.on('node-disconnect', lost);
    subscriber.on('node-ready', () => {
      if (subscribed) sub.onReady?.();
    });
    let first: (ok: boolean) => void = () => {};
    const subscribedOnce = new Promise<boolean>((resolve) => (first = resolve));
    void keepConnecting(
      subscriber,
      options,
      () => gone,
      () => {
        subscriber.sSubscribe(sub.channel, sub.onMessage).then(
          () => {
            subscribed = true;
            first(true);
            sub.onReady?.();
          },
          (error: unknown) => {
            sub.onError?.(error);
            lost();
          },
        );
      },
    ).then((ok) => {
      if (!ok) first(false);
    });
    return {
      subscribed: subscribedOnce,
      close: async () => {
        gone = true;
        await closeClient(subscriber);
      },
    };
  };
  return {
    topology: 'cluster',
    get isReady() {
      return cluster.isReady;
    },
    connected,
    get: (key) => cluster.get(key),
    mGet: async (keys) => {
      const keysOf = (positions: number[]) => positions.map((i) => keys[i] as string);
      const parts = await perMaster<Array<string | null>>(
        cluster,
        keys,
        (multi, positions) => multi.mGet(keysOf(positions)),
        (positions) => cluster.mGet(keysOf(positions)),
      );
      if (!parts) return cluster.mGet([...keys]);
      const values = new Array<string | null>(keys.length).fill(null);
      for (const { positions, reply } of parts) positions.forEach((at, n) => (values[at] = reply[n] ?? null));
      return values;
    },
    set: async (key, value, opts) => (await cluster.set(key, value, setOptions(opts))) === 'OK',
    setMany: async (entries) => {
      const one = (at: number) => entries[at] as (typeof entries)[number];
      const setOne = (at: number) => {
        const { key, value, px } = one(at);
        return cluster.set(key, value, setOptions({ px }));
      };
      // A SET per key (each its own slot), one pipeline per master.
      const parts = await perMaster(
        cluster,
        entries.map((e) => e.key),
        (multi, positions) => {
          for (const at of positions) {
            const { key, value, px } = one(at);
            multi.set(key, value, setOptions({ px }));
          }
        },
        (positions) => Promise.all(positions.map(setOne)),
      );
      if (!parts) await Promise.all(entries.map((_, at) => setOne(at)));
    },
    del: (keys) => cluster.del([...keys]),
    unlink: (keys) => cluster.unlink([...keys]),
    sAdd: (key, members) => cluster.sAdd(key, [...members]),
    sRem: (key, members) => cluster.sRem(key, [...members]),
    sMembers: (key) => cluster.sMembers(key),
    eval: <T>(script: string, keys: readonly string[], args: readonly string[]) =>
      cluster.sendCommand<T>(keys[0], false, evalArgs(script, keys, args)),
    ping: async () => {
      await Promise.all(cluster.masters.map(async (node) => (await cluster.nodeClient(node)).ping()));
    },
    publish: async (channel, message) => {
      await cluster.sPublish(channel, message);
    },
    subscribe,
    close: async () => {
      closed = true;
      await closeClient(cluster);
    },
  };
}

/** A client for REDIS_URL's server or cluster; it connects in the background (see `connected`). */
export function createSharedRedis(target: RedisTarget, options: SharedRedisOptions): SharedRedis {
  return target.topology === 'cluster' ? clusterRedis(target, options) : serverRedis(target.url, options);
}
