import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ChangeEvent, Invalidation } from '../changes.js';
import type { SignatureVerdict, WebhookDelivery, WebhookSource } from '../provider-descriptor.js';

/** Stripe's own default (stripe-node `DEFAULT_TOLERANCE`): older signatures are replays or stuck clocks. */
export const DEFAULT_STRIPE_TOLERANCE_S = 300;

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

/**
 * The shape read from a verified body. Checked even after the signature: a signed body is still
 * input, and a shape we cannot read is refused (400), never guessed at. Fields we do not read are
 * let through; event types we do not know are ignored later.
 */
const StripeEventSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  data: z.looseObject({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEvent = z.infer<typeof StripeEventSchema>;

function json(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export function readStripeEvent(raw: Buffer): StripeEvent | null {
  const parsed = StripeEventSchema.safeParse(json(raw));
  return parsed.success ? parsed.data : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** A Stripe event's object names what changed: a charge or refund, a customer, or an invoice. */
export function stripeInvalidations(event: {
  type?: unknown;
  data?: { object?: Record<string, unknown> };
}): Invalidation[] {
  const object = event.data?.object ?? {};
  const type = text(event.type) ?? '';
  const id = text(object.id);
  if (type.startsWith('customer.') && !type.startsWith('customer.subscription') && id) {
    const metadata = (object.metadata ?? {}) as Record<string, unknown>;
    return [{ kind: 'account', id, contactId: text(metadata.crm_contact_id) }];
  }
  const customer = text(object.customer);
  if (!customer) return [];
  if (type.startsWith('charge.'))
    return [{ kind: 'payments', accountId: customer, paymentIds: id ? [id] : [] }];
  // Refunds, invoices and subscriptions change what the account's payment views show.
  return [
    {
      kind: 'payments',
      accountId: customer,
      paymentIds: text(object.charge) ? [object.charge as string] : [],
    },
  ];
}

/**
 * What subscribers hear of a Stripe event: a charge's own events (made, failed, refunded) and a
 * customer's. `refund.*` is left out: Stripe also sends `charge.refunded` for the same change.
 */
export function stripeChanges(event: {
  type?: unknown;
  data?: { object?: Record<string, unknown> };
}): ChangeEvent[] {
  const object = event.data?.object ?? {};
  const type = text(event.type) ?? '';
  const id = text(object.id);
  if (!id) return [];
  if (type.startsWith('charge.') && !type.startsWith('charge.dispute')) {
    return [{ topic: 'payment', paymentId: id, accountId: text(object.customer) }];
  }
  if (
    type.startsWith('customer.') &&
    !type.startsWith('customer.subscription') &&
    type !== 'customer.deleted'
  ) {
    const metadata = (object.metadata ?? {}) as Record<string, unknown>;
    const contactId = text(metadata.crm_contact_id);
    return contactId ? [{ topic: 'customer', contactId }] : [];
  }
  return [];
}

/** Stripe webhook endpoints, signed with `whsec_…` secrets (`STRIPE_WEBHOOK_SECRETS`, several during a rotation). */
export const stripeWebhooks: WebhookSource = {
  kind: 'webhook',
  secretsVariable: 'STRIPE_WEBHOOK_SECRETS',
  secretsSchema: z
    .string()
    .regex(/^whsec_\w+(,whsec_\w+)*$/, 'expected whsec_… secrets, comma-separated')
    .transform((secrets) => secrets.split(','))
    .optional(),
  newSecret: () => `whsec_${randomBytes(24).toString('base64url')}`,
  verify: (request, secrets, nowMs) =>
    verifyStripeSignature(
      request.header('stripe-signature'),
      request.rawBody,
      secrets,
      Math.floor(nowMs / 1000),
    ),
  read: (rawBody): WebhookDelivery | null => {
    const event = readStripeEvent(rawBody);
    if (!event) return null;
    return {
      eventIds: [event.id],
      changes: { invalidations: stripeInvalidations(event), events: stripeChanges(event) },
      log: { event: event.id, type: event.type },
    };
  },
  expected: 'a Stripe event',
};
