import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ProviderName } from '../../../sandbox/index.js';
import { REPO_ROOT } from '../../support/codegen-check.js';
import { postQuery, startTestConcord, startTestStack, type TestStack } from '../../support/stack.js';
import { DASHBOARD, scrape, total } from './support.js';

const PROVIDERS: ProviderName[] = ['hubspot', 'stripe', 'posthog'];

describe('/metrics', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('counts provider requests as the providers saw them, operations, batches, and cache hits on a repeat', async () => {
    const before = await scrape(stack.gateway);
    stack.sandbox.counters.reset();

    const first = await stack.query(DASHBOARD, {}, { headers: { 'x-request-id': 'metrics-1' } });
    expect(first.errors).toBeUndefined();
    const afterFirst = await scrape(stack.gateway);
    const seen = stack.sandbox.counters.snapshot();

    // Every request each simulator received, and no other, is in the provider counter.
    for (const provider of PROVIDERS) {
      const counted =
        total(afterFirst, 'concord_provider_requests_total', { provider }) -
        total(before, 'concord_provider_requests_total', { provider });
      expect(counted).toBe(seen.total[provider]);
      expect(counted).toBeGreaterThan(0);
      // Each request's duration is observed once too.
      expect(total(afterFirst, 'concord_provider_request_duration_seconds_count', { provider })).toBe(
        total(afterFirst, 'concord_provider_requests_total', { provider }),
      );
    }
    const upstream = PROVIDERS.reduce((sum, p) => sum + seen.total[p], 0);
    expect(
      total(afterFirst, 'concord_graphql_operation_upstream_calls_sum', { operation: 'Dashboard' }),
    ).toBe(upstream);
    expect(
      total(afterFirst, 'concord_graphql_operations_total', { operation: 'Dashboard', outcome: 'ok' }),
    ).toBe(1);
    expect(total(afterFirst, 'concord_dataloader_batch_size_count')).toBeGreaterThan(0);
    expect(total(afterFirst, 'concord_circuit_state', { provider: 'stripe' })).toBe(0);
    expect(afterFirst.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);

    // The same dashboard again: answered from the cache, so hits move and the providers are spared.
    stack.sandbox.counters.reset();
    const second = await stack.query(DASHBOARD);
    expect(second.data).toEqual(first.data);
    const afterSecond = await scrape(stack.gateway);
    const hits = (samples: typeof before) =>
      total(samples, 'concord_cache_requests_total', { result: 'hit' });
    expect(hits(afterSecond)).toBeGreaterThan(hits(afterFirst));
    const spared = stack.sandbox.counters.snapshot();
    for (const provider of PROVIDERS) {
      expect(
        total(afterSecond, 'concord_provider_requests_total', { provider }) -
          total(afterFirst, 'concord_provider_requests_total', { provider }),
      ).toBe(spared.total[provider]);
    }
  });
});

describe('deploy/grafana/concord-dashboard.json', () => {
  it('graphs only metrics /metrics exposes', async () => {
    const dashboard = JSON.parse(
      readFileSync(join(REPO_ROOT, 'deploy', 'grafana', 'concord-dashboard.json'), 'utf8'),
    ) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const concord = await startTestConcord();
    try {
      // A query first, so the labelled series exist.
      expect((await postQuery(concord.gateway, DASHBOARD)).errors).toBeUndefined();
      const exposed = new Set((await scrape(concord.gateway)).map((s) => s.name));
      const used = dashboard.panels.flatMap((p) =>
        p.targets.flatMap((t) => [...t.expr.matchAll(/\bconcord_[a-z_]+/g)].map((m) => m[0])),
      );
      expect(used.length).toBeGreaterThan(10);
      expect(used.filter((name) => !exposed.has(name))).toEqual([]);
    } finally {
      await concord.stop();
    }
  });
});
