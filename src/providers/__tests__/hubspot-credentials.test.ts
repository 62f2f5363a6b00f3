import { describe, expect, it } from '@jest/globals';
import { ConfigError, readConfig } from '../../config.js';

/** HubSpot live: a private-app token, or an OAuth app (client id, the client secret, a refresh token). */

const OTHERS = {
  STRIPE_SECRET_KEY: 'sk_test_abc',
  POSTHOG_API_KEY: 'phx_abc',
  POSTHOG_PROJECT_ID: '1',
  JWT_SECRET: 'x'.repeat(40),
};
const APP = {
  HUBSPOT_CLIENT_ID: '3f1c2a6e-0b7d-4c55-9e2a-1b2c3d4e5f60',
  HUBSPOT_CLIENT_SECRET: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  HUBSPOT_REFRESH_TOKEN: 'na1-6a1b-2c3d-4e5f-6a7b-8c9d0e1f2a3b',
};

function problems(env: Record<string, string>): string[] {
  try {
    readConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('HubSpot live credentials', () => {
  it('takes an OAuth app instead of a private-app token; the client secret is also the webhook secret', () => {
    const config = readConfig({ ...OTHERS, ...APP });
    expect(config.mode).toBe('live');
    expect(config.live?.hubspot).toMatchObject({
      auth: {
        kind: 'oauth',
        clientId: APP.HUBSPOT_CLIENT_ID,
        clientSecret: APP.HUBSPOT_CLIENT_SECRET,
        refreshToken: APP.HUBSPOT_REFRESH_TOKEN,
      },
    });
    expect(config.webhooks.secrets.hubspot).toEqual([APP.HUBSPOT_CLIENT_SECRET]);
  });

  it('keeps the private-app token, with a webhook secret beside it', () => {
    const config = readConfig({
      ...OTHERS,
      HUBSPOT_ACCESS_TOKEN: 'pat-na1-live',
      HUBSPOT_CLIENT_SECRET: APP.HUBSPOT_CLIENT_SECRET,
    });
    expect(config.live?.hubspot).toMatchObject({
      auth: { kind: 'private-app', accessToken: 'pat-na1-live' },
    });
  });

  it('stays in sandbox mode with only the client secret set (it verifies webhooks there too)', () => {
    const config = readConfig({ HUBSPOT_CLIENT_SECRET: APP.HUBSPOT_CLIENT_SECRET });
    expect(config.mode).toBe('sandbox');
    expect(config.webhooks.secrets.hubspot).toEqual([APP.HUBSPOT_CLIENT_SECRET]);
  });

  it('names each missing variable of a half-given OAuth app, and says what HubSpot takes', () => {
    const found = problems({ ...OTHERS, HUBSPOT_CLIENT_ID: APP.HUBSPOT_CLIENT_ID });
    expect(found).toEqual([
      expect.stringMatching(/^HUBSPOT_CLIENT_SECRET is missing: live mode needs all of HUBSPOT_CLIENT_ID, /),
      expect.stringMatching(/^HUBSPOT_REFRESH_TOKEN is missing: /),
    ]);
    expect(found[0]).toContain(
      'HubSpot takes HUBSPOT_ACCESS_TOKEN or HUBSPOT_CLIENT_ID + HUBSPOT_CLIENT_SECRET + HUBSPOT_REFRESH_TOKEN',
    );
  });

  it('refuses a private-app token and a whole OAuth app at once, in one line', () => {
    expect(problems({ ...OTHERS, ...APP, HUBSPOT_ACCESS_TOKEN: 'pat-na1-live' })).toEqual([
      'HUBSPOT_ACCESS_TOKEN, HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET, HUBSPOT_REFRESH_TOKEN are all set: HubSpot takes one of HUBSPOT_ACCESS_TOKEN or HUBSPOT_CLIENT_ID + HUBSPOT_CLIENT_SECRET + HUBSPOT_REFRESH_TOKEN, not two',
    ]);
  });

  it('checks each OAuth value on its own line without echoing it', () => {
    const found = problems({
      ...OTHERS,
      HUBSPOT_CLIENT_ID: 'has space',
      HUBSPOT_CLIENT_SECRET: 'short',
      HUBSPOT_REFRESH_TOKEN: 'na1-short',
    });
    expect(found).toHaveLength(3);
    expect(found.map((p) => p.split('=')[0])).toEqual([
      'HUBSPOT_CLIENT_ID',
      'HUBSPOT_REFRESH_TOKEN',
      'HUBSPOT_CLIENT_SECRET',
    ]);
    // The id is not a secret (it is echoed); the secret and the refresh token are not.
    expect(found.join('\n')).not.toMatch(/na1-short|"short"/);
  });

  it('needs OAUTH_TOKEN_KEYS for an OAuth app behind a shared Redis, not for a private app', () => {
    const redis = { REDIS_URL: 'redis://127.0.0.1:1' };
    expect(problems({ ...OTHERS, ...APP, ...redis })).toEqual([
      expect.stringMatching(/^OAUTH_TOKEN_KEYS is missing/),
    ]);
    expect(problems({ ...OTHERS, ...redis, HUBSPOT_ACCESS_TOKEN: 'pat-na1-live' })).toEqual([]);
  });
});
