import { z } from 'zod';

/**
 * The shapes Concord reads from a verified webhook body. Checked even after the signature: a
 * provider's signed body is still input, and a shape we cannot read is refused (400), never guessed
 * at. Fields we do not read are let through untouched; event types we do not know are ignored later.
 */
const StripeEventSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  data: z.looseObject({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEvent = z.infer<typeof StripeEventSchema>;

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

export function readStripeEvent(raw: Buffer): StripeEvent | null {
  const parsed = StripeEventSchema.safeParse(json(raw));
  return parsed.success ? parsed.data : null;
}

export function readHubSpotBatch(raw: Buffer): HubSpotEvent[] | null {
  const parsed = HubSpotBatchSchema.safeParse(json(raw));
  return parsed.success ? parsed.data : null;
}
