/**
 * Measuring one build: a GraphQL call timed from the bench process, the sandbox's upstream
 * counters, latency percentiles over repeated samples, and throughput with autocannon.
 */
import autocannon from 'autocannon';
import { signTestToken } from '../test/support/tokens.js';
import type { Calls } from './scenarios.js';

export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

export interface LatencyStats {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
}

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string }>;
}

/** Concord (with a test token good for an hour) and the floor as targets, from their ready lines' URLs. */
export async function concordAndFloor(
  concordUrl: string,
  floorUrl: string,
): Promise<{ concord: Target; floor: Target }> {
  const token = await signTestToken({ expiresInS: 3600 });
  return {
    concord: { name: 'concord', url: concordUrl, headers: { authorization: `Bearer ${token}` } },
    floor: { name: 'floor', url: floorUrl, headers: {} },
  };
}

/** Posts one query; throws on any GraphQL error, so that a fast wrong answer never counts. */
export async function post(
  target: Target,
  query: string,
  variables: Record<string, unknown>,
): Promise<GraphQLBody> {
  const res = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GraphQLBody;
  if (!res.ok || body.errors) {
    throw new Error(
      `${target.name}: HTTP ${res.status} ${JSON.stringify(body.errors ?? body).slice(0, 500)}`,
    );
  }
  return body;
}

interface PageShape {
  node?: { payments?: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: unknown[] } };
}

/** Runs one sample (a query, or a walk of pages to the end); returns its time in ms and pages. */
export async function runOnce(
  target: Target,
  query: string,
  variables: Record<string, unknown>,
  walk: boolean,
): Promise<{ ms: number; pages: number }> {
  const started = performance.now();
  if (!walk) {
    await post(target, query, variables);
    return { ms: performance.now() - started, pages: 1 };
  }
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const body = (await post(target, query, { ...variables, after })).data as PageShape;
    pages += 1;
    const info = body.node?.payments?.pageInfo;
    if (!info?.hasNextPage || !info.endCursor) break;
    after = info.endCursor;
  }
  return { ms: performance.now() - started, pages };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function stats(values: readonly number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

/**
 * The sandbox's request counters: one admin endpoint serves the counts of every twin in its process.
 * Given several sandbox processes (a twin each), their counts are added up.
 */
export class Counters {
  protected readonly adminUrls: readonly string[];

  constructor(adminUrl: string | readonly string[]) {
    this.adminUrls = typeof adminUrl === 'string' ? [adminUrl] : adminUrl;
  }

  /**
   * Waits until no upstream call is still landing (the naive build keeps calling after autocannon
   * hangs up), then zeroes the counters, so that a sample counts only its own calls.
   */
  async reset(): Promise<void> {
    let last = -1;
    for (;;) {
      const t = await this.total();
      const now = t.hubspot + t.stripe + t.posthog;
      if (now === last) break;
      last = now;
      await new Promise((r) => setTimeout(r, 150));
    }
    await this.clear();
  }

  async total(): Promise<Calls> {
    const totals = await Promise.all(
      this.adminUrls.map(async (url) => {
        const res = await fetch(`${url}/__sandbox/counters`);
        return ((await res.json()) as { total: Calls }).total;
      }),
    );
    return sumCalls(totals);
  }

  protected async clear(): Promise<void> {
    await Promise.all(this.adminUrls.map((url) => fetch(`${url}/__sandbox/counters`, { method: 'DELETE' })));
  }
}

export function sumCalls(all: readonly Calls[]): Calls {
  return {
    hubspot: all.reduce((n, c) => n + c.hubspot, 0),
    stripe: all.reduce((n, c) => n + c.stripe, 0),
    posthog: all.reduce((n, c) => n + c.posthog, 0),
  };
}

/**
 * Takes samples until there are `count` or `budgetMs` has passed (at least `min`): slow scenarios
 * (a 90-day metrics walk at bench size) get fewer samples instead of blowing the time limit.
 */
export async function sample(
  count: number,
  budgetMs: number,
  min: number,
  one: () => Promise<number>,
): Promise<number[]> {
  const values: number[] = [];
  const started = performance.now();
  while (values.length < count && (values.length < min || performance.now() - started < budgetMs)) {
    values.push(await one());
  }
  return values;
}

/** Requests per second at `connections` concurrent clients over `durationS` seconds. */
export async function throughput(
  target: Target,
  query: string,
  variables: Record<string, unknown>,
  connections: number,
  durationS: number,
): Promise<{ rps: number; errors: number }> {
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: JSON.stringify({ query, variables }),
    connections,
    duration: durationS,
    timeout: 120,
  });
  return {
    rps: result.requests.total / result.duration,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** What the bench asks of its Redis connection. */
export interface Redis {
  flushAll(): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
}

/** Redis emptied, and every replica's local tier, as an operator flushing Redis would announce it. */
export async function flushCache(redis: Redis): Promise<void> {
  await redis.flushAll();
  await redis.publish('concord:cache:invalidations', JSON.stringify({ all: true }));
  await new Promise((r) => setTimeout(r, 20));
}
