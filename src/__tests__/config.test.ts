import { describe, expect, it } from '@jest/globals';
import { DEFAULT_PORT, readConfig } from '../config.js';
import type { PostHogSettings } from '../../datasources/posthog/settings.js';
import { configProblems } from '../../test/support/config.js';

describe('readConfig', () => {
  it('runs against the sandbox when no provider credentials are set', () => {
    const config = readConfig({});
    expect(config.mode).toBe('sandbox');
    expect(config.live).toBeNull();
    expect(config.port).toBe(DEFAULT_PORT);
    expect(config.cursorSecretIsEphemeral).toBe(true);
  });

  it('goes live with all provider credentials, with overridable base URLs', () => {
    const config = readConfig({
      HUBSPOT_ACCESS_TOKEN: 'pat-na1-x',
      STRIPE_SECRET_KEY: 'sk_test_abc',
      POSTHOG_API_KEY: 'phx_abc',
      POSTHOG_PROJECT_ID: '12',
      STRIPE_BASE_URL: 'http://127.0.0.1:9999',
      // Live mode needs a way to verify clients' credentials.
      JWT_SECRET: 'config-test-jwt-secret-0123456789abcdef',
    });
    expect(config.mode).toBe('live');
    expect(config.providers).toEqual({ crm: 'hubspot', payments: 'stripe', analytics: 'posthog' });
    expect(config.live?.stripe).toMatchObject({ baseUrl: 'http://127.0.0.1:9999' });
    expect(config.live?.hubspot).toMatchObject({ baseUrl: 'https://api.hubapi.com' });
    expect(config.live?.posthog).toMatchObject({ projectId: 12 });
  });

  it('names each missing credential when only some are set', () => {
    const problems = configProblems({ STRIPE_SECRET_KEY: 'sk_test_abc' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/HUBSPOT_ACCESS_TOKEN is missing/);
  });

  it('reports every bad value on its own line and never echoes a secret', () => {
    const problems = configProblems({
      PORT: 'eighty',
      STRIPE_SECRET_KEY: 'pk_live_oops-secret',
      HUBSPOT_BASE_URL: 'ftp://x',
      PAGE_SIZE_MAX: '0',
      NODE_ENV: 'production',
    });
    expect(problems.filter((p) => p.startsWith('PORT='))).toHaveLength(1);
    expect(problems.filter((p) => p.startsWith('STRIPE_SECRET_KEY=(hidden)'))).toHaveLength(1);
    expect(problems.filter((p) => p.startsWith('HUBSPOT_BASE_URL='))).toHaveLength(1);
    expect(problems.filter((p) => p.startsWith('PAGE_SIZE_MAX='))).toHaveLength(1);
    expect(problems.filter((p) => p.startsWith('CURSOR_SECRET is missing'))).toHaveLength(1);
    expect(problems.join('\n')).not.toContain('oops-secret');
  });

  it('configures PostHog capture from the project token, on the US ingestion host by default', () => {
    const live = {
      HUBSPOT_ACCESS_TOKEN: 'pat-na1-x',
      STRIPE_SECRET_KEY: 'sk_test_abc',
      POSTHOG_API_KEY: 'phx_abc',
      POSTHOG_PROJECT_ID: '12',
      JWT_SECRET: 'config-test-jwt-secret-0123456789abcdef',
    };
    const capture = (env: NodeJS.ProcessEnv) => (readConfig(env).live?.posthog as PostHogSettings).capture;
    expect(capture(live)).toBeNull();
    expect(capture({ ...live, POSTHOG_PROJECT_TOKEN: 'phc_abc123' })).toEqual({
      baseUrl: 'https://us.i.posthog.com',
      projectToken: 'phc_abc123',
    });
    expect(
      capture({
        ...live,
        POSTHOG_PROJECT_TOKEN: 'phc_abc123',
        POSTHOG_CAPTURE_HOST: 'https://eu.i.posthog.com',
      })?.baseUrl,
    ).toBe('https://eu.i.posthog.com');
    const problems = configProblems({
      POSTHOG_PROJECT_TOKEN: 'phx_personal-secret',
      POSTHOG_CAPTURE_HOST: 'eu',
    });
    expect(problems.filter((p) => p.startsWith('POSTHOG_PROJECT_TOKEN=(hidden)'))).toHaveLength(1);
    expect(problems.filter((p) => p.startsWith('POSTHOG_CAPTURE_HOST='))).toHaveLength(1);
    expect(problems.join('\n')).not.toContain('personal-secret');
  });

  it('picks the CRM by CRM_PROVIDER (HubSpot by default) and refuses one it does not know, in one line', () => {
    expect(readConfig({ CRM_PROVIDER: 'hubspot' }).providers.crm).toBe('hubspot');
    expect(readConfig({ CRM_PROVIDER: 'salesforce' }).providers.crm).toBe('salesforce');
    expect(configProblems({ CRM_PROVIDER: 'pipedrive' })).toEqual([
      'CRM_PROVIDER="pipedrive": expected one of hubspot, salesforce',
    ]);
  });

  it("checks Salesforce's write-key field at start: one line for a name that is not a custom field", () => {
    const problems = configProblems({ CRM_PROVIDER: 'salesforce', SALESFORCE_WRITE_KEY_FIELD: 'Email' });
    // Hidden as every *KEY* variable is (datasources/settings.ts), though a field name is no secret.
    expect(problems).toEqual([
      'SALESFORCE_WRITE_KEY_FIELD="Email": expected a custom field API name such as Concord_Write_Key__c, or off',
    ]);
    expect(configProblems({ CRM_PROVIDER: 'salesforce', SALESFORCE_WRITE_KEY_FIELD: 'off' })).toEqual([]);
  });

  it('refuses a default page size above the maximum', () => {
    expect(configProblems({ PAGE_SIZE_DEFAULT: '50', PAGE_SIZE_MAX: '10' })).toEqual([
      'PAGE_SIZE_DEFAULT=50 is larger than PAGE_SIZE_MAX=10',
    ]);
  });
});
