import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@hubspot/api-client';
import { startSandbox, type RunningSandbox } from '../../index.js';
import { DEFAULT_HUBSPOT_APP } from '../oauth.js';

/**
 * The HubSpot twin's OAuth app as HubSpot answers it (FACTS §2, §7.3): `POST /oauth/v1/token` with
 * the refresh-token grant, through the official client unchanged; access tokens that work until
 * they expire (then 401 EXPIRED_AUTHENTICATION); a revoked install's refresh token refused.
 */

let sandbox: RunningSandbox;
let client: Client;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 7, anchor: Date.UTC(2026, 10, 24) });
  client = new Client({ basePath: sandbox.urls.hubspot, numberOfApiCallRetries: 0 });
});

afterAll(async () => {
  await sandbox.stop();
});

const { clientId, clientSecret, refreshToken } = DEFAULT_HUBSPOT_APP;

async function failure(promise: Promise<unknown>): Promise<{ code?: number; body?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: number; body?: unknown };
  }
  throw new Error('expected the call to fail');
}

describe("the HubSpot twin's OAuth app", () => {
  it('refreshes through @hubspot/api-client: a 30-minute bearer token that reads the CRM', async () => {
    const token = await client.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      clientId,
      clientSecret,
      refreshToken,
    );
    expect(token).toMatchObject({ tokenType: 'bearer', expiresIn: 1800, refreshToken });
    expect(token.accessToken.length).toBeGreaterThan(100);
    expect(token.accessToken.length).toBeLessThanOrEqual(300);
    const reader = new Client({ accessToken: token.accessToken, basePath: sandbox.urls.hubspot });
    const page = await reader.crm.contacts.basicApi.getPage(2);
    expect(page.results).toHaveLength(2);
  });

  it('answers the raw fields HubSpot sends (hub_id, scopes, token_use), form-encoded in', async () => {
    const res = await fetch(`${sandbox.urls.hubspot}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: clientId,
        client_secret: clientSecret,
        refresh_token: refreshToken,
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      token_type: 'bearer',
      refresh_token: refreshToken,
      access_token: expect.any(String),
      expires_in: 1800,
      token_use: 'access_token',
      hub_id: expect.any(Number),
      scopes: expect.arrayContaining(['crm.objects.contacts.read']),
    });
  });

  it('refuses a wrong client secret and an unknown refresh token as 400s the client surfaces', async () => {
    const badClient = await failure(
      client.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        clientId,
        'wrong-secret',
        refreshToken,
      ),
    );
    expect(badClient.code).toBe(400);
    expect(badClient.body).toMatchObject({ error: 'invalid_client' });
    const badGrant = await failure(
      client.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        clientId,
        clientSecret,
        'na1-nope',
      ),
    );
    expect(badGrant).toMatchObject({
      code: 400,
      body: {
        error: 'invalid_grant',
        error_description: 'refresh token is invalid, expired or revoked',
        status: 'BAD_REFRESH_TOKEN',
      },
    });
  });

  it('an expired access token is 401 EXPIRED_AUTHENTICATION naming when it expired; a revoked install refreshes no more', async () => {
    const token = await client.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      clientId,
      clientSecret,
      refreshToken,
    );
    sandbox.hubspot.expireAccessTokens();
    const res = await fetch(`${sandbox.urls.hubspot}/crm/v3/objects/contacts?limit=1`, {
      headers: { authorization: `Bearer ${token.accessToken}` },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      status: 'error',
      category: 'EXPIRED_AUTHENTICATION',
      message: expect.stringMatching(
        /^The OAuth token used to make this call expired \d+ second\(s\) ago\.$/,
      ),
      context: { 'expire time': [expect.stringMatching(/^\d{4}-\d\d-\d\dT/)] },
    });
    // The private-app token is untouched by either.
    sandbox.hubspot.revokeRefreshTokens();
    const refused = await failure(
      client.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        clientId,
        clientSecret,
        refreshToken,
      ),
    );
    expect(refused).toMatchObject({ code: 400, body: { error: 'invalid_grant' } });
    const privateApp = new Client({
      accessToken: sandbox.credentials.hubspotAccessToken,
      basePath: sandbox.urls.hubspot,
    });
    expect((await privateApp.crm.contacts.basicApi.getPage(1)).results).toHaveLength(1);
  });
});
