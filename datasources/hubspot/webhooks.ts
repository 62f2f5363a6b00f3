import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ChangeEvent, Invalidation } from '../changes.js';
import type { SignatureVerdict, WebhookDelivery, WebhookSource } from '../provider-descriptor.js';

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

/**
 * The shape read from a verified body. Checked even after the signature: a signed body is still
 * input, and a shape we cannot read is refused (400), never guessed at. Fields we do not read are
 * let through; event types we do not know are ignored later.
 */
const HubSpotEventSchema = z.looseObject({
  eventId: z.union([z.number(), z.string().min(1)]),
  subscriptionType: z.string().min(1),
  // Association and merge events name their objects otherwise; they invalidate nothing.
  objectId: z.union([z.number(), z.string()]).optional(),
});
/** HubSpot sends up to 100 events per request; the body limit bounds the batch anyway. */
const HubSpotBatchSchema = z.array(HubSpotEventSchema).min(1);
export type HubSpotEvent = z.infer<typeof HubSpotEventSchema>;

function json(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export function readHubSpotBatch(raw: Buffer): HubSpotEvent[] | null {
  const parsed = HubSpotBatchSchema.safeParse(json(raw));
  return parsed.success ? parsed.data : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** HubSpot sends a JSON array of events, each naming an object type and id. */
export function hubspotInvalidations(
  events: Array<{ subscriptionType?: unknown; objectId?: unknown }>,
): Invalidation[] {
  const out: Invalidation[] = [];
  for (const event of events) {
    const type = text(event.subscriptionType) ?? '';
    const id =
      typeof event.objectId === 'number' || typeof event.objectId === 'string'
        ? String(event.objectId)
        : null;
    if (!id) continue;
    if (type.startsWith('contact.')) out.push({ kind: 'contact', id });
    else if (type.startsWith('company.')) out.push({ kind: 'company', id });
    else if (type.startsWith('deal.')) out.push({ kind: 'deal', id });
  }
  return out;
}

/** What subscribers hear of a HubSpot batch: each contact created or changed. */
export function hubspotChanges(
  events: Array<{ subscriptionType?: unknown; objectId?: unknown }>,
): ChangeEvent[] {
  return hubspotInvalidations(
    events.filter((e) => {
      const type = text(e.subscriptionType) ?? '';
      return type === 'contact.creation' || type === 'contact.propertyChange';
    }),
  ).flatMap((item) => (item.kind === 'contact' ? [{ topic: 'customer' as const, contactId: item.id }] : []));
}

/** HubSpot app webhooks, signed with the app's client secret (`HUBSPOT_CLIENT_SECRET`). */
export const hubspotWebhooks: WebhookSource = {
  kind: 'webhook',
  secretsVariable: 'HUBSPOT_CLIENT_SECRET',
  secretsSchema: z
    .string()
    .min(8, 'must be the app’s client secret')
    .transform((secret) => [secret])
    .optional(),
  newSecret: () => randomBytes(24).toString('hex'),
  verify: (request, secrets, nowMs) =>
    verifyHubSpotSignature(
      {
        method: request.method,
        uri: request.url,
        rawBody: request.rawBody,
        signature: request.header('x-hubspot-signature-v3'),
        timestamp: request.header('x-hubspot-request-timestamp'),
      },
      secrets,
      nowMs,
    ),
  read: (rawBody): WebhookDelivery | null => {
    const events = readHubSpotBatch(rawBody);
    if (!events) return null;
    const eventIds = events.map((e) => String(e.eventId));
    return {
      eventIds,
      changes: { invalidations: hubspotInvalidations(events), events: hubspotChanges(events) },
      log: { events: eventIds.length },
    };
  },
  expected: 'a HubSpot event batch',
};
