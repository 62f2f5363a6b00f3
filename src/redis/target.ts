import { z } from 'zod';

/**
 * What `REDIS_URL` names: one server (`redis://` or `rediss://`, as node-redis reads it) or a Redis
 * Cluster, `redis+cluster://[user:password@]host:port,host:port,…` (`rediss+cluster://` for TLS).
 * The cluster's nodes are seeds: the client learns the rest of the cluster from any one of them.
 */
export type RedisTarget =
  | { topology: 'server'; url: string }
  | {
      topology: 'cluster';
      /** Seed nodes as `redis://host:port` (or `rediss://`), credentials apart. */
      nodes: string[];
      username?: string;
      password?: string;
      tls: boolean;
    };

/** A bad REDIS_URL; the message is one line that says what is wrong without echoing a password. */
export class RedisUrlError extends Error {}

const CLUSTER = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#@]*)(.*)$/;
/** host:port, the host a name, an IPv4 address or a bracketed IPv6 address. */
const NODE = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

function parseCluster(match: RegExpExecArray): RedisTarget {
  const [, scheme, auth, hosts = '', rest = ''] = match;
  if (rest !== '' && rest !== '/')
    throw new RedisUrlError(
      'a redis+cluster:// URL takes no database, path or options (a cluster has database 0 only)',
    );
  const nodes = hosts.split(',');
  if (hosts === '') throw new RedisUrlError('a redis+cluster:// URL needs at least one host:port');
  const bad = nodes.find((node) => {
    const parts = NODE.exec(node);
    const port = parts ? Number(parts[2]) : 0;
    return !parts || port < 1 || port > 65_535;
  });
  if (bad !== undefined)
    throw new RedisUrlError(
      `"${bad}" is not a host:port in the redis+cluster:// node list (expected e.g. redis+cluster://10.0.0.1:6379,10.0.0.2:6379)`,
    );
  const target: RedisTarget = {
    topology: 'cluster',
    nodes: nodes.map((node) => `${scheme}://${node}`),
    tls: scheme === 'rediss',
  };
  if (auth !== undefined) {
    const colon = auth.indexOf(':');
    const user = decodeURIComponent(colon < 0 ? auth : auth.slice(0, colon));
    const password = colon < 0 ? '' : decodeURIComponent(auth.slice(colon + 1));
    if (user) target.username = user;
    if (password) target.password = password;
  }
  return target;
}

/** Reads REDIS_URL; throws RedisUrlError with one line when it is neither a server nor a cluster. */
export function parseRedisUrl(text: string): RedisTarget {
  const cluster = CLUSTER.exec(text);
  if (cluster) return parseCluster(cluster);
  const expected = 'expected redis://host:port, rediss://host:port or redis+cluster://host:port,host:port,…';
  let url: URL;
  try {
    if (!text.includes('://')) throw new RedisUrlError(expected);
    url = new URL(text);
  } catch {
    throw new RedisUrlError(expected);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new RedisUrlError(
      `expected redis://, rediss:// or redis+cluster:// (a Redis Cluster), not ${url.protocol}//`,
    );
  if (url.hostname === '') throw new RedisUrlError('the URL has no host');
  return { topology: 'server', url: text };
}

/** REDIS_URL as config reads it: one server or a cluster, checked here, kept as written. */
export const RedisUrlSchema = z.string().superRefine((text, ctx) => {
  try {
    parseRedisUrl(text);
  } catch (error) {
    if (!(error instanceof RedisUrlError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
  }
});
