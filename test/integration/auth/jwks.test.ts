import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import type { Concord } from '../../../src/app.js';
import { postQuery, startTestConcord } from '../../support/stack.js';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'concord-jwks-test';

/** An identity provider on loopback that publishes its RS256 public key as a JWKS. */
describe('tokens verified against a JWKS URL', () => {
  let issuer: Server;
  let concord: Concord;
  let signingKey: CryptoKey;
  let strangerKey: CryptoKey;
  let jwksRequests = 0;

  const sign = (key: CryptoKey, kid: string, sub = 'jwks-user') =>
    new SignJWT({ scope: 'crm:read' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    issuer = createServer((_req, res) => {
      jwksRequests++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    issuer.listen(0, '127.0.0.1');
    await once(issuer, 'listening');
    concord = await startTestConcord({
      JWT_JWKS_URL: `http://127.0.0.1:${(issuer.address() as AddressInfo).port}/.well-known/jwks.json`,
      JWT_ALG: 'RS256',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    });
  });
  afterAll(async () => {
    await concord.stop();
    issuer.close();
  });

  it('accepts a token signed with the published key, using its scopes', async () => {
    const token = await sign(signingKey, 'key-1');
    const res = await postQuery<{ companies: { edges: unknown[] } }>(
      concord.gateway,
      '{ companies(first: 2) { edges { node { name } } } }',
      undefined,
      { token },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.companies.edges).toHaveLength(2);
    expect(jwksRequests).toBeGreaterThan(0);
    const payments = await postQuery(
      concord.gateway,
      '{ payments(first: 1) { edges { cursor } } }',
      undefined,
      {
        token,
      },
    );
    expect(payments.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses a token signed with a key the issuer never published', async () => {
    const res = await fetch(concord.gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await sign(strangerKey, 'key-1')}`,
      },
      body: JSON.stringify({ query: '{ companies(first: 1) { edges { cursor } } }' }),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });
});
