import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestStack, type TestStack } from '../../support/stack.js';
import { openStripeCircuit, QUICK_STRIPE_CIRCUIT } from './outage.js';
import { originOf } from './support.js';

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('/healthz and /readyz', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(QUICK_STRIPE_CIRCUIT);
  });

  afterAll(async () => {
    stack?.sandbox.knobs.reset();
    await stack?.stop();
  });

  it('is ready with every circuit closed, and degraded (still 200) naming the provider whose circuit is open', async () => {
    const origin = originOf(stack.gateway);
    expect(await getJson(`${origin}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await getJson(`${origin}/readyz`)).toEqual({
      status: 200,
      body: {
        status: 'ready',
        config: 'ok',
        cache: 'off',
        circuits: { hubspot: 'CLOSED', stripe: 'CLOSED', posthog: 'CLOSED' },
        unavailable: [],
      },
    });

    await openStripeCircuit(stack);

    expect(await getJson(`${origin}/readyz`)).toEqual({
      status: 200,
      body: {
        status: 'degraded',
        config: 'ok',
        cache: 'off',
        circuits: { hubspot: 'CLOSED', stripe: 'OPEN', posthog: 'CLOSED' },
        unavailable: ['stripe'],
      },
    });
    // Alive regardless: a provider outage is no reason to restart the process.
    expect((await getJson(`${origin}/healthz`)).status).toBe(200);

    // The `providers` query agrees: Stripe's circuit open, its recent calls failing, the others fine.
    const res = await stack.query<{
      providers: Array<{ name: string; circuit: string; errorRate: number; latencyP95Ms: number | null }>;
    }>('{ providers { name circuit errorRate latencyP95Ms } }');
    const byName = Object.fromEntries((res.data?.providers ?? []).map((p) => [p.name, p]));
    expect(byName.stripe).toMatchObject({ circuit: 'OPEN' });
    expect(byName.stripe?.errorRate).toBeGreaterThan(0);
    expect(byName.hubspot).toMatchObject({ circuit: 'CLOSED', errorRate: 0 });
    expect(byName.hubspot?.latencyP95Ms).not.toBeNull();
  });
});
