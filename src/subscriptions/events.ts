import type { ChangeEvent } from '../../datasources/changes.js';
import type { Scope, Viewer } from '../auth/scopes.js';

/** A change a provider reported (by webhook or poll) that subscribers may want (datasources/changes.ts). */
export type { ChangeEvent } from '../../datasources/changes.js';

/** The scope a subscriber needs to hear of an event at all (field rules still apply to what it reads). */
export const TOPIC_SCOPES: Record<ChangeEvent['topic'], Scope> = {
  payment: 'payments:read',
  customer: 'crm:read',
};

export function mayHear(viewer: Viewer | null, event: ChangeEvent): boolean {
  return viewer !== null && viewer.scopes.has(TOPIC_SCOPES[event.topic]);
}

/** One event per record, however many provider events named it in one delivery. */
export function distinctEvents(events: readonly ChangeEvent[]): ChangeEvent[] {
  const seen = new Map<string, ChangeEvent>();
  for (const event of events) {
    const key = event.topic === 'payment' ? `payment:${event.paymentId}` : `customer:${event.contactId}`;
    if (!seen.has(key)) seen.set(key, event);
  }
  return [...seen.values()];
}

/** Parses an event from the wire; anything else is dropped rather than trusted. */
export function parseChangeEvent(text: string): ChangeEvent | null {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (value.topic === 'payment' && typeof value.paymentId === 'string') {
      return {
        topic: 'payment',
        paymentId: value.paymentId,
        accountId: typeof value.accountId === 'string' ? value.accountId : null,
      };
    }
    if (value.topic === 'customer' && typeof value.contactId === 'string') {
      return { topic: 'customer', contactId: value.contactId };
    }
  } catch {
    // Not JSON: not ours.
  }
  return null;
}
