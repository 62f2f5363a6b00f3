import { describe, expect, it } from '@jest/globals';
import { ConfigError, readConfig } from '../../config.js';

describe('OAUTH_TOKEN_KEYS', () => {
  it('takes 32-byte keys as hex or base64, comma-separated (the first seals)', () => {
    const config = readConfig({
      OAUTH_TOKEN_KEYS: `${'ab'.repeat(32)},${Buffer.alloc(32, 1).toString('base64')}`,
    });
    expect(config.oauth.keys).toEqual([Buffer.alloc(32, 0xab), Buffer.alloc(32, 1)]);
    expect(readConfig({}).oauth.keys).toBeNull();
  });

  it('refuses a key of the wrong size with one line that never echoes it', () => {
    let error: unknown;
    try {
      readConfig({ OAUTH_TOKEN_KEYS: 'not-a-key-but-a-secret' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'OAUTH_TOKEN_KEYS=(hidden): expected 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)',
    ]);
  });

  it('is required when a live provider refreshes OAuth tokens through a shared Redis', () => {
    const salesforce = {
      CRM_PROVIDER: 'salesforce',
      SALESFORCE_CLIENT_ID: '3MVG9LiveConnectedApp',
      SALESFORCE_REFRESH_TOKEN: '5Aep861LiveRefreshToken',
      STRIPE_SECRET_KEY: 'sk_test_abc',
      POSTHOG_API_KEY: 'phx_abc',
      POSTHOG_PROJECT_ID: '1',
      JWT_SECRET: 'x'.repeat(40),
    };
    const problems = (env: Record<string, string>) => {
      try {
        readConfig(env);
        return [];
      } catch (e) {
        return (e as ConfigError).problems;
      }
    };
    expect(problems({ ...salesforce, REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual([
      expect.stringMatching(/^OAUTH_TOKEN_KEYS is missing: OAuth tokens shared through REDIS_URL/),
    ]);
    expect(
      problems({ ...salesforce, REDIS_URL: 'redis://127.0.0.1:6379', OAUTH_TOKEN_KEYS: 'ab'.repeat(32) }),
    ).toEqual([]);
    // One process keeps its tokens to itself: no key needed.
    expect(problems(salesforce)).toEqual([]);
  });
});
