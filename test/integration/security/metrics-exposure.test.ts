import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Concord } from '../../../src/app.js';
import { parsePrometheus } from '../observability/support.js';
import { postQuery, queryHeaders, startTestConcord } from '../../support/stack.js';
import { signTestToken } from '../../support/tokens.js';

/** Distinct values of the `operation` label in a scrape. */
function operationLabels(text: string): Set<string> {
  return new Set(
    parsePrometheus(text)
      .filter((s) => s.name === 'concord_graphql_operations_total')
      .map((s) => s.labels.operation as string),
  );
}

describe('metrics: bounded labels', () => {
  const MAX = 5;
  let concord: Concord;
  let origin: string;

  beforeAll(async () => {
    concord = await startTestConcord({ METRICS_OPERATION_NAMES: String(MAX) });
    origin = new URL(concord.gateway.url).origin;
  });
  afterAll(async () => {
    await concord?.stop();
  });

  it('gives the first METRICS_OPERATION_NAMES names a label each and every later one `other`', async () => {
    // A token with no scopes at all: it may still name operations as it likes.
    const noScopes = await signTestToken({ scopes: [], sub: 'label-spammer' });
    for (let i = 0; i < 60; i += 1) {
      await postQuery(concord.gateway, `query Spam${i} { __typename }`, {}, { token: noScopes });
    }
    const text = await (await fetch(`${origin}/metrics`)).text();
    const labels = operationLabels(text);
    expect(labels.has('other')).toBe(true);
    // The manifest's own operations (trusted) plus at most MAX others plus `other`.
    const untrusted = [...labels].filter((l) => /^Spam\d+$/.test(l));
    expect(untrusted.length).toBeLessThanOrEqual(MAX);
    expect(labels.has('Spam59')).toBe(false);
  });

  it('keeps the manifest’s operation names labelled after the bound is spent', async () => {
    const answer = await postQuery(concord.gateway, 'query Dashboard { __typename }');
    expect(answer.errors).toBeUndefined();
    const labels = operationLabels(await (await fetch(`${origin}/metrics`)).text());
    expect(labels.has('Dashboard')).toBe(true);
  });
});

describe('metrics and status in production: on the admin port only', () => {
  let concord: Concord;
  let publicOrigin: string;
  let adminOrigin: string;
  const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

  beforeAll(async () => {
    concord = await startTestConcord({ NODE_ENV: 'production', ADMIN_PORT: '0', METRICS_TOKEN });
    publicOrigin = new URL(concord.gateway.url).origin;
    adminOrigin = concord.gateway.adminUrl as string;
  });
  afterAll(async () => {
    await concord?.stop();
  });

  it('serves /metrics, /status and /status.json on the admin port, not the public one', async () => {
    expect(adminOrigin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(adminOrigin).not.toBe(publicOrigin);
    for (const path of ['/metrics', '/status', '/status.json']) {
      const res = await fetch(`${publicOrigin}${path}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        errors: [expect.objectContaining({ extensions: { code: 'NOT_FOUND' } })],
      });
    }
    expect((await fetch(`${adminOrigin}/status.json`)).status).toBe(200);
    expect((await fetch(`${adminOrigin}/status`)).status).toBe(200);
  });

  it('answers /healthz and /readyz on both ports, and GraphQL only on the public one', async () => {
    for (const origin of [publicOrigin, adminOrigin]) {
      expect((await fetch(`${origin}/healthz`)).status).toBe(200);
      expect((await fetch(`${origin}/readyz`)).status).toBe(200);
    }
    const res = await fetch(`${adminOrigin}/graphql`, {
      method: 'POST',
      headers: queryHeaders(concord.gateway),
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.status).toBe(404);
    const answer = await postQuery(concord.gateway, '{ providers { name } }');
    expect(answer.errors).toBeUndefined();
  });

  it('wants METRICS_TOKEN as a bearer token for /metrics', async () => {
    const without = await fetch(`${adminOrigin}/metrics`);
    expect(without.status).toBe(401);
    expect(await without.json()).toEqual({
      errors: [expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })],
    });
    const wrong = await fetch(`${adminOrigin}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${adminOrigin}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('concord_graphql_operations_total');
  });
});
