import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import SwaggerParser from '@apidevtools/swagger-parser';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { PROVIDERS, type ProviderName } from '../../../sandbox/http/provider.js';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';

/** One cheap authenticated request per provider, and what it is called in the counters. */
const PROBES: Record<ProviderName, { path: (s: RunningSandbox) => string; endpoint: string }> = {
  hubspot: { path: () => '/crm/v3/objects/contacts?limit=1', endpoint: 'GET /crm/v3/objects/{objectType}' },
  stripe: { path: () => '/v1/customers?limit=1', endpoint: 'GET /v1/customers' },
  posthog: {
    path: (s) => `/api/projects/${s.credentials.posthogProjectId}/persons/?limit=1`,
    endpoint: 'GET /api/projects/{project_id}/persons/',
  },
};

function authHeader(sandbox: RunningSandbox, provider: ProviderName): Record<string, string> {
  const key = {
    hubspot: sandbox.credentials.hubspotAccessToken,
    stripe: sandbox.credentials.stripeSecretKey,
    posthog: sandbox.credentials.posthogApiKey,
  }[provider];
  return { authorization: `Bearer ${key}` };
}

async function probe(sandbox: RunningSandbox, provider: ProviderName): Promise<Response> {
  return fetch(sandbox.urls[provider] + PROBES[provider].path(sandbox), {
    headers: authHeader(sandbox, provider),
  });
}

describe('the sandbox as a whole', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 7, sizes: DEMO_SIZES, anchor: Date.UTC(2026, 10, 24) });
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it.each(PROVIDERS)(
    '%s serves a valid OpenAPI 3 document listing every route it serves',
    async (provider) => {
      const res = await fetch(`${sandbox.urls[provider]}/openapi.json`);
      expect(res.status).toBe(200);
      const document = (await res.json()) as {
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
      };
      expect(document.openapi).toMatch(/^3\./);
      await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
      const [method, template] = PROBES[provider].endpoint.split(' ') as [string, string];
      expect(document.paths[template]?.[method.toLowerCase()]).toBeDefined();
    },
  );

  it.each(PROVIDERS)('%s answers an authenticated request and counts it by endpoint', async (provider) => {
    sandbox.counters.reset();
    const res = await probe(sandbox, provider);
    expect(res.status).toBe(200);
    const counts = sandbox.counters.snapshot();
    expect(counts.total[provider]).toBe(1);
    expect(counts.byEndpoint[provider][PROBES[provider].endpoint]).toBe(1);
    expect(counts.byStatus[provider]['200']).toBe(1);
  });

  it.each(PROVIDERS)('%s goes down and comes back through the admin endpoint', async (provider) => {
    const admin = `${sandbox.urls[provider]}/__sandbox/knobs`;
    const down = await fetch(admin, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outage: true }),
    });
    expect(((await down.json()) as { outage: boolean }).outage).toBe(true);
    expect((await probe(sandbox, provider)).status).toBe(503);
    await fetch(`${admin}/reset`, { method: 'POST' });
    expect((await probe(sandbox, provider)).status).toBe(200);
  });

  it('refuses a bad knob value through the admin endpoint with a clear message', async () => {
    const res = await fetch(`${sandbox.urls.stripe}/__sandbox/knobs`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 3 }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('errorRate');
  });

  it.each(PROVIDERS)(
    '%s fails every request at error rate 1 with a 5xx in its own shape',
    async (provider) => {
      sandbox.knobs.set(provider, { errorRate: 1 });
      try {
        const res = await probe(sandbox, provider);
        expect(res.status).toBeGreaterThanOrEqual(500);
        expect(res.headers.get('content-type')).toContain('application/json');
      } finally {
        sandbox.knobs.reset(provider);
      }
    },
  );

  it('adds the configured latency', async () => {
    sandbox.knobs.set('hubspot', { latencyMs: 150 });
    try {
      const started = performance.now();
      await probe(sandbox, 'hubspot');
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      sandbox.knobs.reset('hubspot');
    }
  });

  it('answers a read from the data as it arrived and lands a write after the latency', async () => {
    // The latency is the provider's time to answer: a read is worked out when it arrives, a write
    // lands when its answer goes. A list sent just after a create, before the create's answer,
    // comes back without the new customer; one sent after the answer has it.
    sandbox.knobs.set('stripe', { latencyMs: 300 });
    const headers = { ...authHeader(sandbox, 'stripe'), 'content-type': 'application/x-www-form-urlencoded' };
    const email = `read-model-${Date.now()}@example.com`;
    const listed = async () => {
      const res = await fetch(
        `${sandbox.urls.stripe}/v1/customers?limit=100&email=${encodeURIComponent(email)}`,
        {
          headers,
        },
      );
      return ((await res.json()) as { data: unknown[] }).data.length;
    };
    try {
      const created = fetch(`${sandbox.urls.stripe}/v1/customers`, {
        method: 'POST',
        headers,
        body: `email=${encodeURIComponent(email)}`,
      });
      await new Promise((r) => setTimeout(r, 50));
      const during = listed();
      expect((await created).status).toBe(200);
      expect(await during).toBe(0);
      expect(await listed()).toBe(1);
    } finally {
      sandbox.knobs.reset('stripe');
    }
  });

  it('reads the data set it serves from the admin info endpoint', async () => {
    const info = (await (await fetch(`${sandbox.urls.stripe}/__sandbox/info`)).json()) as { seed: number };
    expect(info.seed).toBe(7);
  });
});

describe('npm run sandbox', () => {
  it('starts all three simulators and prints their URLs and keys', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts'], {
      env: {
        ...process.env,
        SANDBOX_HUBSPOT_PORT: '0',
        SANDBOX_STRIPE_PORT: '0',
        SANDBOX_POSTHOG_PORT: '0',
        SANDBOX_SALESFORCE_PORT: '0',
        SANDBOX_ANCHOR: '2026-11-24',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!output.includes('Ctrl-C') && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const urls = [...output.matchAll(/(HubSpot|Stripe|PostHog)\s+(http:\/\/127\.0\.0\.1:\d+)/g)];
      expect(urls.map((m) => m[1])).toEqual(['HubSpot', 'Stripe', 'PostHog']);
      expect(output).toContain('sk_test_');
      const stripeUrl = urls[1]?.[2] as string;
      const key = /Bearer (sk_test_\w+)/.exec(output)?.[1] as string;
      const res = await fetch(`${stripeUrl}/v1/customers?limit=1`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
    expect(child.exitCode === 0 || child.signalCode === 'SIGTERM').toBe(true);
  });

  it('refuses bad settings with one line per variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts'], {
      env: { ...process.env, SANDBOX_SEED: 'x', SANDBOX_STRIPE_ERROR_RATE: '9' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(stderr).toMatch(/SANDBOX_SEED="x"/);
    expect(stderr).toMatch(/SANDBOX_STRIPE_ERROR_RATE="9"/);
  });
});
