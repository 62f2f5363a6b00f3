import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignatureVerdict } from './stripe-signature.js';

/** HubSpot's documented window: requests older than five minutes are rejected. */
export const DEFAULT_HUBSPOT_MAX_AGE_MS = 5 * 60_000;

/**
 * Verifies `X-HubSpot-Signature-v3`: base64(HMAC-SHA256(client secret, method + URI + body +
 * timestamp)), where the URI is the full URL HubSpot called and the timestamp is
 * `X-HubSpot-Request-Timestamp` in epoch ms. Constant-time compare.
 */
export function verifyHubSpotSignature(
  input: {
    method: string;
    uri: string;
    rawBody: Buffer;
    signature: string | undefined;
    timestamp: string | undefined;
  },
  secrets: readonly string[],
  nowMs: number,
  maxAgeMs = DEFAULT_HUBSPOT_MAX_AGE_MS,
): SignatureVerdict {
  const { method, uri, rawBody, signature, timestamp } = input;
  if (!signature) return { ok: false, reason: 'missing X-HubSpot-Signature-v3 header' };
  if (!timestamp || !/^\d+$/.test(timestamp))
    return { ok: false, reason: 'missing X-HubSpot-Request-Timestamp' };
  if (Math.abs(nowMs - Number(timestamp)) > maxAgeMs)
    return { ok: false, reason: 'timestamp older than five minutes' };
  const given = Buffer.from(signature, 'base64');
  const source = Buffer.concat([Buffer.from(`${method}${uri}`), rawBody, Buffer.from(timestamp)]);
  const matches = secrets.some((secret) => {
    const want = createHmac('sha256', secret).update(source).digest();
    return given.length === want.length && timingSafeEqual(given, want);
  });
  return matches ? { ok: true } : { ok: false, reason: 'signature does not match' };
}
