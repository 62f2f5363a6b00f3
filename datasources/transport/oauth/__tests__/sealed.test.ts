import { describe, expect, it } from '@jest/globals';
import { Sealer, parseSealKey } from '../sealed.js';

describe('sealed token values (AES-256-GCM)', () => {
  const a = Buffer.alloc(32, 1);
  const b = Buffer.alloc(32, 2);

  it('opens what it sealed, for the same slot only', () => {
    const sealer = new Sealer([a]);
    const sealed = sealer.seal('slot:access', 'token-value');
    expect(sealed).not.toContain('token-value');
    expect(sealer.open('slot:access', sealed)).toBe('token-value');
    expect(sealer.open('slot:refresh', sealed)).toBeNull();
    // A fresh nonce each time: the same token never seals to the same text.
    expect(sealer.seal('slot:access', 'token-value')).not.toBe(sealed);
  });

  it('refuses tampered values and other keys; an old key still opens during a rotation', () => {
    const sealed = new Sealer([a]).seal('s', 'v');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    expect(
      new Sealer([a]).open('s', [parts[0], parts[1], parts[2], body.toString('base64url')].join('.')),
    ).toBeNull();
    expect(new Sealer([b]).open('s', sealed)).toBeNull();
    expect(new Sealer([b, a]).open('s', sealed)).toBe('v');
    expect(new Sealer([a]).open('s', 'garbage')).toBeNull();
  });

  it('reads keys as 64 hex digits or base64 of 32 bytes, and says so otherwise', () => {
    expect(parseSealKey('ab'.repeat(32))).toEqual(Buffer.alloc(32, 0xab));
    expect(parseSealKey(Buffer.alloc(32, 5).toString('base64'))).toEqual(Buffer.alloc(32, 5));
    expect(() => parseSealKey('short')).toThrow(/32 bytes/);
  });
});
