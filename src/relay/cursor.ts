import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  hkdfSync,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { UserInputError } from '../errors/concord-error.js';

/** Bumped when the layout changes; older cursors are then refused cleanly. 1 was signed JSON, readable. */
export const CURSOR_VERSION = 2;
/** The shortest secret a key is derived from. */
export const MIN_CURSOR_SECRET_LENGTH = 16;
/** AES-256-GCM's standard nonce and full tag. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes of SHA-256(kind, scope) carried inside: enough to tell lists apart, far shorter than the scope. */
const LIST_BYTES = 8;
const HEADER = Buffer.from([CURSOR_VERSION]);

/** What a cursor carries: which list it belongs to, and where in the provider's list it points. */
export interface CursorPayload {
  /** The connection it belongs to, e.g. `Customer.payments`. */
  kind: string;
  /** What the list is of, e.g. the parent id and filter; a cursor from another list is foreign. */
  scope: string;
  /** The provider's own cursor (Stripe object id, HubSpot `after`, PostHog offset or timestamp). */
  position: string;
}

interface Keys {
  /** AES-256-GCM. */
  encrypt: KeyObject;
  /** HMAC-SHA256 that makes the nonce from the plaintext. */
  nonce: KeyObject;
}

/** Two keys per secret, derived once (HKDF-SHA256): cursors are made and read for every edge. */
function deriveKeys(secret: string): Keys {
  const derive = (use: string) =>
    createSecretKey(
      Buffer.from(hkdfSync('sha256', secret, 'concord/cursor', `${use} v${CURSOR_VERSION}`, 32)),
    );
  return { encrypt: derive('aes-256-gcm'), nonce: derive('nonce hmac-sha256') };
}

function listOf(kind: string, scope: string): Buffer {
  return createHash('sha256').update(kind).update('\0').update(scope).digest().subarray(0, LIST_BYTES);
}

/**
 * Opaque, versioned cursors, encrypted and authenticated (AES-256-GCM): clients can neither read
 * what they hold (provider ids, filter values) nor forge or alter one, and a cursor taken from one
 * list and sent to another is refused instead of silently paging the wrong data.
 *
 * Layout, base64url: version (1 byte, authenticated as associated data) · nonce (12) · ciphertext of
 * [list fingerprint (8) · provider position] · tag (16). Only a fingerprint of the list goes in, so a
 * long filter does not make a long cursor. Several secrets rotate: the first encrypts, each decrypts.
 *
 * The nonce is synthetic: an HMAC of the plaintext under a key of its own (the SIV idea), so the same
 * position in the same list always gives the same cursor (equal answers stay equal, cacheable) and a
 * nonce repeats only with its plaintext, which reveals nothing but that equality.
 */
export class CursorCodec {
  private readonly keys: readonly Keys[];

  constructor(secrets: string | readonly string[]) {
    const list = typeof secrets === 'string' ? [secrets] : secrets;
    if (list.length === 0) throw new Error('at least one cursor secret is needed');
    if (list.some((s) => s.length < MIN_CURSOR_SECRET_LENGTH))
      throw new Error(`cursor secrets must be at least ${MIN_CURSOR_SECRET_LENGTH} characters`);
    this.keys = list.map(deriveKeys);
  }

  encode(payload: CursorPayload): string {
    const keys = this.keys[0] as Keys;
    const plain = Buffer.concat([listOf(payload.kind, payload.scope), Buffer.from(payload.position, 'utf8')]);
    const iv = createHmac('sha256', keys.nonce).update(HEADER).update(plain).digest().subarray(0, IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', keys.encrypt, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(HEADER);
    const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([HEADER, iv, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  /** The provider cursor inside `cursor`, or BAD_USER_INPUT naming `argument`. */
  decode(cursor: string, expected: { kind: string; scope: string }, argument: string): string {
    const invalid = (why: string) =>
      new UserInputError(`Invalid cursor in \`${argument}\`: ${why}.`, argument);
    // Version 1 cursors were `body.mac`; base64url has no dot.
    if (/^[\w-]+\.[\w-]+$/.test(cursor))
      throw invalid('issued by another version of this API; start again from the first page');
    if (!/^[\w-]+$/.test(cursor)) throw invalid('not a cursor issued by this API');
    const bytes = Buffer.from(cursor, 'base64url');
    if (bytes.length < 1 + IV_BYTES + LIST_BYTES + TAG_BYTES)
      throw invalid('not a cursor issued by this API');
    if (bytes[0] !== CURSOR_VERSION) {
      throw invalid('issued by another version of this API; start again from the first page');
    }
    const plain = this.open(bytes);
    if (!plain) throw invalid('not a cursor issued by this API');
    if (!timingSafeEqual(plain.subarray(0, LIST_BYTES), listOf(expected.kind, expected.scope))) {
      throw invalid('it belongs to a different list');
    }
    return plain.subarray(LIST_BYTES).toString('utf8');
  }

  /** The plaintext, under whichever key sealed it; null when none did (forged, altered, unknown key). */
  private open(bytes: Buffer): Buffer | null {
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const sealed = bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    for (const { encrypt } of this.keys) {
      const decipher = createDecipheriv('aes-256-gcm', encrypt, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(bytes.subarray(0, 1));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(sealed), decipher.final()]);
      } catch {
        // Not this key: try the next (a rotation keeps the previous secret for a while).
      }
    }
    return null;
  }
}
