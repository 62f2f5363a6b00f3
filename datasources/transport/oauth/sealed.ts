import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** AES-256-GCM: 12-byte nonce (GCM's native size), 16-byte tag. */
const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const KEY_BYTES = 32;
const VERSION = 'v1';

/**
 * Reads a token key from its text form: 64 hex digits or base64(url) of 32 bytes. Throws with a
 * message that states the contract (and never echoes the value).
 */
export function parseSealKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new Error('expected 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)');
  }
  return key;
}

/**
 * Encrypts values shared through a store other replicas (and anyone with the store) can read.
 * The first key seals; every key opens, so a key can be rotated without dropping shared tokens.
 * `slot` (the store key) is bound in as associated data: a sealed value moved to another slot,
 * e.g. an access token copied over the refresh token, does not open.
 */
export class Sealer {
  private readonly keys: readonly Buffer[];

  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new Error('a Sealer needs at least one key');
    for (const key of keys) if (key.length !== KEY_BYTES) throw new Error('sealing keys are 32 bytes');
    this.keys = keys;
  }

  seal(slot: string, plaintext: string): string {
    const key = this.keys[0] as Buffer;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, nonce);
    cipher.setAAD(Buffer.from(slot, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, nonce, tag, body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plaintext, or null when the value is not one this sealer made for `slot` (tampered, other key, other slot). */
  open(slot: string, sealed: string): string | null {
    const [version, nonce, tag, body, extra] = sealed.split('.');
    if (version !== VERSION || !nonce || !tag || body === undefined || extra !== undefined) return null;
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(nonce, 'base64url'));
        decipher.setAAD(Buffer.from(slot, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        // Try the next key; a value no key opens is treated as absent.
      }
    }
    return null;
  }
}
