import type { ChangeEvent } from '../subscriptions/events.js';

/** What a verified provider event makes stale in the cache. */
export type Invalidation =
  | { kind: 'contact'; id: string }
  | { kind: 'company'; id: string }
  | { kind: 'deal'; id: string }
  | { kind: 'account'; id: string; contactId: string | null }
  | { kind: 'payments'; accountId: string; paymentIds: string[] };

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

/** What subscribers hear of a HubSpot batch: each contact created or changed, once. */
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
