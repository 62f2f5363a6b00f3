import type { RequestContext } from '../graphql/context.js';
import type { TrackEventInput } from '../generated/resolvers-types.js';
import { idOfType } from '../relay/global-ids.js';
import type { WriteKeys } from './idempotency.js';
import { refusable, userError, type Outcome } from './user-errors.js';

/** Longer names are a client bug (ids or payloads put in the name), not an event. */
export const MAX_EVENT_NAME_LENGTH = 200;

export interface EventRecord {
  eventId: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function trackEvent(
  ctx: RequestContext,
  input: TrackEventInput,
  keys: WriteKeys,
): Promise<Outcome<EventRecord>> {
  const contactId = idOfType(input.customerId, 'Customer', 'input.customerId');
  const name = input.name.trim();
  if (name === '' || name.length > MAX_EVENT_NAME_LENGTH) {
    return {
      userErrors: [userError('INVALID', `A name of 1 to ${MAX_EVENT_NAME_LENGTH} characters.`, 'name')],
    };
  }
  const properties = input.properties ?? {};
  if (!isPlainObject(properties)) {
    return { userErrors: [userError('INVALID', 'Properties are a JSON object.', 'properties')] };
  }
  // Analytics takes any person id; an event for a customer that does not exist would be lost.
  if (!(await ctx.loaders.contact.load(contactId))) {
    return { userErrors: [userError('NOT_FOUND', 'There is no customer with this id.', 'customerId')] };
  }
  const captured = await refusable(() =>
    ctx.services.providers.analytics.captureEvent(
      { contactId, name, properties, occurredAt: input.occurredAt ?? null },
      { idempotencyKey: keys.for('analytics-event') },
    ),
  );
  if ('userErrors' in captured) return captured;
  return { record: { eventId: captured.value.id } };
}
