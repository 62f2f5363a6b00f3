import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthOutcome } from '../http/provider.js';
import { invalidRequest } from './errors.js';

const MISSING_KEY_MESSAGE =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";

/** Stripe shows the key's prefix (`sk_test_`) and last four characters, starring the rest. */
export function maskKey(key: string): string {
  const prefix = /^[a-z]+_(?:test_|live_)?/.exec(key)?.[0] ?? '';
  const visibleTail = Math.min(4, Math.max(0, key.length - prefix.length));
  const hidden = key.length - prefix.length - visibleTail;
  return prefix + '*'.repeat(hidden) + key.slice(key.length - visibleTail);
}

/** The key from `Authorization: Bearer sk_...` or Basic auth with the key as the user name. */
export function keyFromHeaders(headers: IncomingHttpHeaders): string | null {
  const header = headers.authorization;
  if (!header) return null;
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return value || null;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
    return user || null;
  }
  return null;
}

function sameKey(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function authenticateStripe(headers: IncomingHttpHeaders, secretKey: string): AuthOutcome {
  const key = keyFromHeaders(headers);
  if (key === null)
    return { ok: false, reply: invalidRequest(MISSING_KEY_MESSAGE, undefined, undefined, 401) };
  if (!sameKey(key, secretKey)) {
    return {
      ok: false,
      reply: invalidRequest(`Invalid API Key provided: ${maskKey(key)}`, undefined, 'api_key_invalid', 401),
    };
  }
  const account = headers['stripe-account'];
  if (account !== undefined) return { ok: false, reply: connectedAccountRefused(key, account) };
  return { ok: true, credential: key };
}

/**
 * A `Stripe-Account` header asks to act as a connected account. The sandbox's account has none, so
 * every one is an account the key cannot reach, refused as Stripe refuses an account it does not
 * know or no longer has access to (403, `account_invalid`); nothing is answered as the platform.
 */
function connectedAccountRefused(key: string, account: string | string[]): ReturnType<typeof invalidRequest> {
  const id = Array.isArray(account) ? account.join(', ') : account;
  return invalidRequest(
    `The provided key '${maskKey(key)}' does not have access to account '${id}' (or that account does not exist). Application access may have been revoked.`,
    undefined,
    'account_invalid',
    403,
  );
}
