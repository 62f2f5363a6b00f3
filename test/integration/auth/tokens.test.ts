import { createHash, generateKeyPairSync } from 'node:crypto';
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
    stack = await startTestStack({ API_KEYS: `reporting:${sha256(RAW_KEY)}:crm:read` });
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
    expect(stack.sandbox.counters.snapshot().total).toEqual({ hubspot: 0, stripe: 0, posthog: 0 });
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
});
