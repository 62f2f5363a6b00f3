import { describe, expect, it } from '@jest/globals';
import { ConfigError, defaultAnchor, readSandboxConfig } from '../config.js';
import { BENCH_SIZES, DEMO_SIZES } from '../data/sizes.js';
import { TWINS } from '../http/provider.js';
import { DEFAULT_SANDBOX_CREDENTIALS, TWIN_SPECS } from '../twin-specs.js';

describe('readSandboxConfig', () => {
  it('has working defaults', () => {
    const config = readSandboxConfig({}, 4010);
    expect(config.seed).toBe(42);
    expect(config.sizes).toEqual(DEMO_SIZES);
    expect(config.ports).toEqual({ hubspot: 4010, stripe: 4011, posthog: 4012, salesforce: 4013 });
    expect(config.anchor).toBe(defaultAnchor());
  });

  it('reads sizes, anchor, ports and knobs', () => {
    const config = readSandboxConfig({
      SANDBOX_SEED: '9',
      SANDBOX_SIZE: 'bench',
      SANDBOX_ANCHOR: '2026-01-02',
      SANDBOX_STRIPE_PORT: '5000',
      SANDBOX_STRIPE_LATENCY_MS: '20',
      SANDBOX_STRIPE_JITTER_MS: '5',
      SANDBOX_HUBSPOT_RATE_LIMIT: '100/10s',
      SANDBOX_POSTHOG_OUTAGE: 'true',
      SANDBOX_POSTHOG_ERROR_RATE: '0.3',
    });
    expect(config.seed).toBe(9);
    expect(config.sizes).toEqual(BENCH_SIZES);
    expect(config.anchor).toBe(Date.UTC(2026, 0, 2));
    expect(config.ports.stripe).toBe(5000);
    expect(config.knobs.stripe).toEqual({ documentedLimits: true, latencyMs: 20, jitterMs: 5 });
    expect(config.knobs.hubspot).toEqual({
      documentedLimits: true,
      rateLimit: { limit: 100, windowMs: 10_000 },
    });
    expect(config.knobs.posthog).toEqual({ documentedLimits: true, outage: true, errorRate: 0.3 });
  });

  it("turns each provider's documented limits on unless SANDBOX_DOCUMENTED_LIMITS=false", () => {
    for (const knobs of Object.values(readSandboxConfig({}).knobs)) expect(knobs.documentedLimits).toBe(true);
    const off = readSandboxConfig({ SANDBOX_DOCUMENTED_LIMITS: 'false' });
    for (const knobs of Object.values(off.knobs)) expect(knobs.documentedLimits).toBe(false);
    expect(() => readSandboxConfig({ SANDBOX_DOCUMENTED_LIMITS: 'sometimes' })).toThrow(ConfigError);
    // Concord's test stacks run with NODE_ENV=test: off there unless a test asks.
    expect(readSandboxConfig({ NODE_ENV: 'test' }).knobs.hubspot.documentedLimits).toBe(false);
    expect(
      readSandboxConfig({ NODE_ENV: 'test', SANDBOX_DOCUMENTED_LIMITS: 'true' }).knobs.hubspot
        .documentedLimits,
    ).toBe(true);
  });

  it('names every bad variable on its own line', () => {
    let error: unknown;
    try {
      readSandboxConfig({
        SANDBOX_SEED: 'abc',
        SANDBOX_SIZE: 'huge',
        SANDBOX_STRIPE_ERROR_RATE: '1.5',
        SANDBOX_HUBSPOT_RATE_LIMIT: 'lots',
        SANDBOX_STRIPE_KEY: 'sk_live_x',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    for (const name of [
      'SANDBOX_SEED',
      'SANDBOX_SIZE',
      'SANDBOX_STRIPE_ERROR_RATE',
      'SANDBOX_HUBSPOT_RATE_LIMIT',
      'SANDBOX_STRIPE_KEY',
    ]) {
      expect(problems.filter((p) => p.startsWith(`${name}=`))).toHaveLength(1);
    }
  });

  it('reads the outgoing webhook settings and refuses a secret that is not whsec_', () => {
    const config = readSandboxConfig({
      SANDBOX_WEBHOOK_URL: 'http://127.0.0.1:3000',
      SANDBOX_STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
      SANDBOX_HUBSPOT_CLIENT_SECRET: 'client-secret-1',
    });
    expect(config.webhooks).toEqual({
      url: 'http://127.0.0.1:3000',
      stripeSecret: 'whsec_abc123',
      hubspotClientSecret: 'client-secret-1',
    });
    expect(readSandboxConfig({}).webhooks.url).toBeUndefined();
    expect(() => readSandboxConfig({ SANDBOX_STRIPE_WEBHOOK_SECRET: 'sk_test_x' })).toThrow(ConfigError);
  });

  it("reads each twin's credentials and variables from the spec in its folder, one list for all", () => {
    expect(Object.keys(TWIN_SPECS).sort()).toEqual([...TWINS].sort());
    // Every twin's defaults, under its own names, make up the sandbox's credentials.
    for (const spec of Object.values(TWIN_SPECS)) {
      expect(DEFAULT_SANDBOX_CREDENTIALS).toMatchObject(spec.credentials);
    }
    const config = readSandboxConfig({
      SANDBOX_HUBSPOT_TOKEN: 'pat-na1-other-token',
      SANDBOX_STRIPE_KEY: 'sk_test_other',
      SANDBOX_POSTHOG_PROJECT_ID: '7',
    });
    expect(config.credentials).toEqual({
      ...DEFAULT_SANDBOX_CREDENTIALS,
      hubspotAccessToken: 'pat-na1-other-token',
      stripeSecretKey: 'sk_test_other',
      posthogProjectId: 7,
    });
    // Each spec's variables are validated, one line each, whichever twin declares them.
    const bad = Object.fromEntries(
      Object.values(TWIN_SPECS).flatMap((spec) => Object.keys(spec.variables).map((name) => [name, ''])),
    );
    let error: unknown;
    try {
      readSandboxConfig(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of Object.keys(bad)) {
      expect((error as ConfigError).problems.filter((p) => p.startsWith(`${name}=`))).toHaveLength(1);
    }
  });
});
