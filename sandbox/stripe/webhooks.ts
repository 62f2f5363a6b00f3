import type { Reply, RouteInput } from '../http/route.js';
import type { WebhookEmitter } from '../webhooks/emitter.js';
import type { StripeObject } from './objects.js';
import type { StripeRuntime } from './runtime.js';

type Input = RouteInput<unknown, unknown, unknown>;

/** What a write looked like before it ran, for `previous_attributes`. */
type Before = StripeObject | undefined;

export interface StripeWebhookEffects {
  before(operationId: string, input: Input): Before;
  after(operationId: string, input: Input, reply: Reply, before: Before): void;
}

function header(input: Input, name: string): string | null {
  const value = input.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** The fields of `before` that differ from `after`, with their old values (Stripe's `previous_attributes`). */
function changedFields(before: StripeObject, after: StripeObject): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(before)) {
    if (JSON.stringify(value) !== JSON.stringify(after[key])) previous[key] = value;
  }
  return previous;
}

const NO_EFFECTS: StripeWebhookEffects = { before: () => undefined, after: () => undefined };

/**
 * Turns successful writes into the events Stripe sends: customer.created, customer.updated (with
 * previous_attributes) and, for a refund, charge.refunded plus refund.created. Replayed idempotent
 * requests changed nothing, so they announce nothing, as at Stripe.
 */
export function stripeWebhookEffects(
  rt: StripeRuntime,
  emitter: WebhookEmitter | undefined,
): StripeWebhookEffects {
  if (!emitter) return NO_EFFECTS;
  const chargeOf = (id: string): StripeObject | undefined => {
    const state = rt.store.charges.get(id);
    return state ? rt.render.charge(state) : undefined;
  };
  return {
    before(operationId, input) {
      if (!emitter.stripeEnabled) return undefined;
      if (operationId === 'updateCustomer') {
        const id = asObject(input.params)?.id;
        return typeof id === 'string' ? rt.render.customer(id) : undefined;
      }
      if (operationId === 'createRefund') {
        // The charge the refund will touch, by either of the ways the form can name it.
        const body = asObject(input.body);
        const chargeId =
          typeof body?.charge === 'string'
            ? body.charge
            : rt.store.charges.all.find((c) => c.record.paymentIntentId === body?.payment_intent)?.id;
        return chargeId ? chargeOf(chargeId) : undefined;
      }
      return undefined;
    },
    after(operationId, input, reply, before) {
      if (!emitter.stripeEnabled || reply.status !== 200) return;
      if (reply.headers?.['Idempotent-Replayed'] === 'true') return;
      const object = asObject(reply.body);
      if (!object) return;
      const common = {
        requestId: reply.headers?.['Request-Id'] ?? null,
        idempotencyKey: header(input, 'idempotency-key'),
      };
      if (operationId === 'createCustomer') {
        emitter.emitStripe({ type: 'customer.created', object, ...common });
      } else if (operationId === 'updateCustomer') {
        const previous = before ? changedFields(before, object) : {};
        if (Object.keys(previous).length > 0)
          emitter.emitStripe({ type: 'customer.updated', object, previousAttributes: previous, ...common });
      } else if (operationId === 'createRefund') {
        // `expand[]=charge` puts the charge object where its id would be.
        const chargeRef = typeof object.charge === 'string' ? object.charge : asObject(object.charge)?.id;
        const charge = typeof chargeRef === 'string' ? chargeOf(chargeRef) : undefined;
        if (charge) {
          const previous = before ? changedFields(before, charge) : undefined;
          emitter.emitStripe({
            type: 'charge.refunded',
            object: charge,
            ...(previous ? { previousAttributes: previous } : {}),
            ...common,
          });
        }
        emitter.emitStripe({ type: 'refund.created', object, ...common });
      }
    },
  };
}
