import { describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { AuthenticationError } from '../errors.js';
import { createJwtVerifier } from '../jwt.js';
import type { JwtSettings } from '../settings.js';

const SECRET = 'a-jwt-test-secret-that-is-long-enough-0123';
const settings: JwtSettings = {
  key: { kind: 'secret', secret: SECRET, ephemeral: false },
  algorithm: 'HS256',
  issuer: null,
  audience: null,
  clockSkewS: 0,
  maxLifetimeS: 86_400,
};

async function token(sub: string, issuedAtS: number, lifetimeS: number): Promise<string> {
  return new SignJWT({ scope: 'crm:read' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt(issuedAtS)
    .setExpirationTime(issuedAtS + lifetimeS)
    .sign(new TextEncoder().encode(SECRET));
}

describe('the JWT verifier', () => {
  it('checks a token once and remembers its viewer until the token expires, not a moment longer', async () => {
    let now = 1_800_000_000_000;
    const verify = createJwtVerifier(settings, () => now);
    const jwt = await token('ada', now / 1000, 60);
    const first = await verify(jwt);
    expect(first).toMatchObject({ id: 'jwt:ada', expiresAt: now + 60_000 });
    now += 59_000;
    expect(await verify(jwt)).toBe(first);
    now += 1_000;
    await expect(verify(jwt)).rejects.toThrow(AuthenticationError);
    await expect(verify(jwt)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('remembers nothing it refused, and shares no viewer between tokens', async () => {
    const now = 1_800_000_000_000;
    const verify = createJwtVerifier(settings, () => now);
    const good = await token('ada', now / 1000, 60);
    const [header, payload] = good.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    await expect(verify(forged)).rejects.toMatchObject({ reason: 'bad_signature' });
    await expect(verify(forged)).rejects.toMatchObject({ reason: 'bad_signature' });
    const other = await token('eve', now / 1000, 60);
    expect((await verify(other)).id).toBe('jwt:eve');
    expect((await verify(good)).id).toBe('jwt:ada');
  });
});
