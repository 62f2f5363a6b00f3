import { createHash, generateKeyPairSync } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { rawQuery } from '../../support/http.js';
import { startTestStack, type TestStack } from '../../support/stack.js';
import { TEST_JWT, signTestToken } from '../../support/tokens.js';

const QUERY = '{ customers(first: 1) { totalCount } }';
const RAW_KEY = 'ck_test_reporting_0123456789abcdef';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('credentials', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({
      API_KEYS: `reporting:${sha256(RAW_KEY)}:crm:read`,
      // This suite reads each refusal's reason; throttling refusals is rate-limit.test.ts's.
      AUTH_FAILURE_LIMIT: 'off',
    });
  });
  afterAll(async () => {
    await stack.stop();
  });

  async function refused(headers: Record<string, string>): Promise<string> {
    stack.sandbox.counters.reset();
    const { status, body, headers: answer } = await rawQuery(stack.gateway, QUERY, headers);
    expect(status).toBe(401);
    expect(answer.get('www-authenticate')).toMatch(/^Bearer realm="concord"/);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // Refused before GraphQL: no provider was asked anything.
    expect(stack.sandbox.counters.snapshot().total).toEqual({
      hubspot: 0,
      stripe: 0,
      posthog: 0,
      salesforce: 0,
    });
    return String(body.errors?.[0]?.extensions?.reason);
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('answers a valid token and a known API key', async () => {
    const jwt = await rawQuery(stack.gateway, QUERY, bearer(await signTestToken()));
    expect(jwt.status).toBe(200);
    expect(jwt.body.errors).toBeUndefined();
    const key = await rawQuery(stack.gateway, QUERY, { 'x-api-key': RAW_KEY });
    expect(key.status).toBe(200);
    expect(key.body.errors).toBeUndefined();
  });

  it('refuses a request without credentials with 401 for the whole request', async () => {
    expect(await refused({})).toBe('missing_credentials');
  });

  it('refuses an expired token and one not valid yet (beyond the clock skew)', async () => {
    expect(await refused(bearer(await signTestToken({ expiresInS: -120 })))).toBe('expired');
    expect(await refused(bearer(await signTestToken({ notBeforeS: 300 })))).toBe('not_yet_valid');
  });

  it('refuses a token signed with another secret', async () => {
    const forged = await signTestToken({ secret: 'another-secret-0123456789-0123456789-abcdef' });
    expect(await refused(bearer(forged))).toBe('bad_signature');
  });

  it('refuses alg none, whatever it claims', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      sub: 'x',
      scope: 'crm:read',
      iss: TEST_JWT.JWT_ISSUER,
      aud: TEST_JWT.JWT_AUDIENCE,
      exp: now + 60,
    };
    expect(await refused(bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`))).toBe(
      'algorithm_not_allowed',
    );
  });

  it('refuses HS/RS confusion: an RS256 token, and an HS256 token keyed with the public key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const claims = { scope: 'crm:read' };
    const rs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('x')
      .setIssuer(TEST_JWT.JWT_ISSUER)
      .setAudience(TEST_JWT.JWT_AUDIENCE)
      .setExpirationTime(now + 60)
      .sign(privateKey);
    expect(await refused(bearer(rs))).toBe('algorithm_not_allowed');
    const pem = await exportSPKI(publicKey);
    expect(await refused(bearer(await signTestToken({ secret: pem })))).toBe('bad_signature');
    // The same with a key pair from node:crypto, as an attacker would hold a server's published key.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(await refused(bearer(await signTestToken({ secret: String(other) })))).toBe('bad_signature');
  });

  it('refuses a wrong issuer, a wrong audience and a token without a subject', async () => {
    expect(await refused(bearer(await signTestToken({ issuer: 'someone-else' })))).toBe('bad_claims');
    expect(await refused(bearer(await signTestToken({ audience: 'another-api' })))).toBe('bad_claims');
    const now = Math.floor(Date.now() / 1000);
    const noSub = await new SignJWT({ scope: 'crm:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(TEST_JWT.JWT_ISSUER)
      .setAudience(TEST_JWT.JWT_AUDIENCE)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(TEST_JWT.JWT_SECRET));
    expect(await refused(bearer(noSub))).toBe('bad_claims');
  });

  it('refuses malformed Authorization headers', async () => {
    for (const authorization of [
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer not-a-jwt',
      'Bearer a.b.c',
      'bearer x.y.z',
    ]) {
      expect(await refused({ authorization })).toBe('malformed_credentials');
    }
  });

  it('refuses an unknown API key, and a token and a key together', async () => {
    expect(await refused({ 'x-api-key': 'ck_test_guessed_0000' })).toBe('unknown_api_key');
    expect(await refused({ 'x-api-key': '' })).toBe('malformed_credentials');
    expect(await refused({ 'x-api-key': RAW_KEY, ...bearer(await signTestToken()) })).toBe(
      'multiple_credentials',
    );
  });

  /** Signs `claims` as TEST_JWT's issuer would, with exactly the iat/exp given (none when undefined). */
  async function tokenWith(claims: { sub?: string; iat?: number; exp: number }): Promise<string> {
    const jwt = new SignJWT({ scope: 'crm:read', ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(TEST_JWT.JWT_ISSUER)
      .setAudience(TEST_JWT.JWT_AUDIENCE);
    return jwt.sign(new TextEncoder().encode(TEST_JWT.JWT_SECRET));
  }

  it('refuses a token issued in the future (beyond the clock skew), an empty subject and a lifetime over a day', async () => {
    const now = Math.floor(Date.now() / 1000);
    const year = 365 * 86_400;
    expect(await refused(bearer(await tokenWith({ sub: 'x', iat: now + year, exp: now + year + 60 })))).toBe(
      'issued_in_future',
    );
    expect(await refused(bearer(await tokenWith({ sub: '', iat: now, exp: now + 60 })))).toBe('bad_claims');
    expect(await refused(bearer(await tokenWith({ sub: '  ', iat: now, exp: now + 60 })))).toBe('bad_claims');
    expect(await refused(bearer(await tokenWith({ sub: 'x', iat: now, exp: now + 50 * year })))).toBe(
      'lifetime_too_long',
    );
    // Without iat, the lifetime is measured from now.
    expect(await refused(bearer(await tokenWith({ sub: 'x', exp: now + 50 * year })))).toBe(
      'lifetime_too_long',
    );
    expect(await refused(bearer(await tokenWith({ sub: 'x', iat: now - 3600, exp: now + 86_400 })))).toBe(
      'lifetime_too_long',
    );
    // Nothing else is affected: a day's token, one without iat, and a few seconds of skew still pass.
    for (const claims of [
      { sub: 'x', iat: now, exp: now + 86_400 },
      { sub: 'x', exp: now + 3600 },
      { sub: 'x', iat: now + 10, exp: now + 3600 },
    ]) {
      const ok = await rawQuery(stack.gateway, QUERY, bearer(await tokenWith(claims)));
      expect(ok.status).toBe(200);
      expect(ok.body.errors).toBeUndefined();
    }
  });

  /** POSTs QUERY with header lines exactly as given: the same name may repeat (fetch would join them). */
  function postWithRepeatedHeaders(
    lines: Array<[string, string]>,
  ): Promise<{ status: number; body: string }> {
    const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
    for (const [name, value] of lines) {
      const had = headers[name];
      headers[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
    }
    return new Promise((resolve, reject) => {
      const req = request(stack.gateway.url, { method: 'POST', headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ query: QUERY }));
    });
  }

  it('refuses two Authorization headers, or two X-API-Key headers, even when the first is valid', async () => {
    const good = `Bearer ${await signTestToken()}`;
    const other = `Bearer ${await signTestToken({ sub: 'someone-else' })}`;
    for (const lines of [
      [
        ['authorization', good],
        ['authorization', other],
      ],
      [
        ['authorization', good],
        ['authorization', good],
      ],
      [
        ['x-api-key', RAW_KEY],
        ['x-api-key', 'ck_test_guessed_0000'],
      ],
    ] as Array<Array<[string, string]>>) {
      const answer = await postWithRepeatedHeaders(lines);
      expect(answer.status).toBe(401);
      const body = JSON.parse(answer.body) as { errors: Array<{ extensions: Record<string, unknown> }> };
      expect(body.errors[0]?.extensions).toEqual({
        code: 'UNAUTHENTICATED',
        reason: 'malformed_credentials',
      });
    }
    // One of each is still fine.
    expect((await postWithRepeatedHeaders([['authorization', good]])).status).toBe(200);
    expect((await postWithRepeatedHeaders([['x-api-key', RAW_KEY]])).status).toBe(200);
  });
});
