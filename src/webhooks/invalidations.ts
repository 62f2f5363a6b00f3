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
