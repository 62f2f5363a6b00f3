import type { Invalidation, ModelChanges } from '../../datasources/changes.js';
import type { Caching } from '../cache/index.js';
import type { EventBus } from '../subscriptions/bus.js';
import { distinctEvents } from '../subscriptions/events.js';

export type { Invalidation, ModelChanges } from '../../datasources/changes.js';

async function invalidate(caching: Caching, invalidations: readonly Invalidation[]): Promise<void> {
  const { crm, payments } = caching.invalidate;
  for (const item of invalidations) {
    if (item.kind === 'contact') await crm?.invalidateContact(item.id);
    else if (item.kind === 'company') await crm?.invalidateCompany(item.id);
    else if (item.kind === 'deal') await crm?.invalidateDeal(item.id);
    else if (item.kind === 'account') await payments?.invalidateAccount(item.id, item.contactId);
    else await payments?.invalidatePayments(item.accountId, item.paymentIds);
  }
}

/**
 * Applies one provider delivery's (or poll's) changes, whichever provider reported them: the cache
 * forgets first, then subscribers hear, so one reading the record gets the new state.
 */
export async function applyModelChanges(
  caching: Caching,
  bus: EventBus,
  changes: ModelChanges,
): Promise<void> {
  await invalidate(caching, changes.invalidations);
  await bus.publish(distinctEvents(changes.events));
}
