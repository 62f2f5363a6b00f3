import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { TEST_ANCHOR, TEST_SEED, postQuery, startTestConcord } from '../../support/stack.js';
import { TEST_JWT } from '../../support/tokens.js';

/** Past GraphQL's 32-bit Int: the provider's number is fine, Concord fails to serialize it (inside, not upstream). */
const HUGE_COUNT = 2 ** 40;

/** Forwards to the sandbox's PostHog but inflates every number in query results. */
async function inflatingProxy(target: string): Promise<Server> {
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void fetch(target + (req.url ?? '/'), {
        method: req.method ?? 'GET',
        headers: {
          authorization: req.headers.authorization ?? '',
          'content-type': req.headers['content-type'] ?? 'application/json',
        },
        ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
      }).then(async (upstream) => {
        const body = (await upstream.json()) as { results?: unknown };
        if (Array.isArray(body.results)) {
          body.results = body.results.map((row: unknown) =>
            Array.isArray(row) ? row.map((v: unknown) => (typeof v === 'number' ? HUGE_COUNT : v)) : row,
          );
        }
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  return proxy;
}

describe('in production, errors reach the client without stack, provider body or secret', () => {
  let sandbox: RunningSandbox;
  let proxy: Server;
  let concord: Concord;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: TEST_SEED, anchor: Date.parse(TEST_ANCHOR) });
    proxy = await inflatingProxy(sandbox.urls.posthog);
    concord = await startTestConcord({
      NODE_ENV: 'production',
      ADMIN_PORT: '0',
      HUBSPOT_ACCESS_TOKEN: sandbox.credentials.hubspotAccessToken,
      HUBSPOT_BASE_URL: sandbox.urls.hubspot,
      STRIPE_SECRET_KEY: sandbox.credentials.stripeSecretKey,
      STRIPE_BASE_URL: sandbox.urls.stripe,
      POSTHOG_API_KEY: sandbox.credentials.posthogApiKey,
      POSTHOG_PROJECT_ID: String(sandbox.credentials.posthogProjectId),
      POSTHOG_HOST: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      STRIPE_RETRIES: '0',
    });
  });
  afterAll(async () => {
    await concord.stop();
    await sandbox.stop();
    proxy.close();
  });

  function expectNothingLeaked(text: string): void {
    expect(text).not.toMatch(/stacktrace|at \w+ \(|node_modules|\.ts:\d+|cannot represent|TypeError/);
    expect(text).not.toContain(String(HUGE_COUNT));
    for (const secret of [
      TEST_JWT.JWT_SECRET,
      sandbox.credentials.stripeSecretKey,
      sandbox.credentials.hubspotAccessToken,
      sandbox.credentials.posthogApiKey,
    ]) {
      expect(text).not.toContain(secret);
    }
  }

  it('masks an internal error as INTERNAL_SERVER_ERROR with a fixed message', async () => {
    expect(concord.connected.mode).toBe('live');
    const res = await postQuery<{
      customers: { edges: Array<{ node: { name: string; activity: unknown } }> };
    }>(concord.gateway, '{ customers(first: 1) { edges { node { name activity { eventCount } } } } }');
    // Only the failing field is null; the rest of the answer stays.
    expect(res.data?.customers.edges[0]?.node.name).toBeTruthy();
    expect(res.data?.customers.edges[0]?.node.activity).toBeNull();
    expect(res.errors?.[0]).toMatchObject({
      message: 'Internal server error.',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expectNothingLeaked(JSON.stringify(res));
  });

  it('reports a provider failure by code and domain, never with the provider’s own body', async () => {
    sandbox.knobs.set('stripe', { outage: true });
    try {
      const direct = await fetch(`${sandbox.urls.stripe}/v1/charges?limit=1`, {
        headers: { authorization: `Bearer ${sandbox.credentials.stripeSecretKey}` },
      });
      const providerBody = await direct.text();
      expect(direct.status).toBeGreaterThanOrEqual(500);
      const res = await postQuery(
        concord.gateway,
        '{ payments(first: 1) { totalCount } providers { name } }',
      );
      const text = JSON.stringify(res);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'stripe' });
      expect(res.errors?.[0]?.message).toBe('The payments provider is unavailable.');
      expect((res.data as { providers: unknown[] }).providers).toHaveLength(3);
      const providerMessage = (JSON.parse(providerBody) as { error?: { message?: string } }).error?.message;
      expect(providerMessage).toBeTruthy();
      expect(text).not.toContain(providerMessage as string);
      expectNothingLeaked(text);
    } finally {
      sandbox.knobs.reset('stripe');
    }
  });
});
