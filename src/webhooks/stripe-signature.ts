import { createHmac, timingSafeEqual } from 'node:crypto';

/** Stripe's own default (stripe-node `DEFAULT_TOLERANCE`): older signatures are replays or stuck clocks. */
export const DEFAULT_STRIPE_TOLERANCE_S = 300;

export type SignatureVerdict = { ok: true } | { ok: false; reason: string };

function hmacHex(secret: string, payload: Buffer): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/**
 * Verifies `Stripe-Signature: t=…,v1=…[,v1=…]` over the raw body: v1 = HMAC-SHA256(secret, "t.body").
 * Only v1 counts (v0 is Stripe's fake test scheme); any v1 may match any configured secret, which is
 * how a secret rotation looks; the timestamp must be within the tolerance. Constant-time compares.
 */
export function verifyStripeSignature(
  header: string | undefined,
  rawBody: Buffer,
  secrets: readonly string[],
  nowS: number,
  toleranceS = DEFAULT_STRIPE_TOLERANCE_S,
): SignatureVerdict {
  if (!header) return { ok: false, reason: 'missing Stripe-Signature header' };
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.split('=', 2).map((s) => s.trim());
    if (key === 't' && value && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === null) return { ok: false, reason: 'no timestamp in Stripe-Signature' };
  if (signatures.length === 0) return { ok: false, reason: 'no v1 signature in Stripe-Signature' };
  if (toleranceS > 0 && Math.abs(nowS - timestamp) > toleranceS) {
    return { ok: false, reason: 'timestamp outside the tolerance' };
  }
  const signed = Buffer.concat([Buffer.from(`${timestamp}.`), rawBody]);
  const expected = secrets.map((secret) => hmacHex(secret, signed));
  const matches = signatures.some((given) => expected.some((want) => timingSafeEqual(given, want)));
  return matches ? { ok: true } : { ok: false, reason: 'no signature matches' };
}
