import { createHash } from 'node:crypto';
import type express from 'express';
import type { CardRecord, Currency } from '../data/dataset.js';
import type { WebhookEmitter } from '../webhooks/emitter.js';
import type { StripeObject } from './objects.js';
import type { StripeRuntime } from './runtime.js';
import type { ChargeState } from './store.js';

/** A charge made outside the API, as from the Stripe Dashboard: `POST /__sandbox/charges`. */
export interface AdminChargeInput {
  customer: string;
  /** Integer minor units (cents; yen for JPY). */
  amount: number;
  /** Defaults to `usd`. */
  currency?: Currency;
  description?: string;
  /** Defaults to `succeeded`; a failed charge is declined with `card_declined`. */
  status?: 'succeeded' | 'failed';
}

export type AdminChargeOutcome = { ok: true; charge: StripeObject } | { ok: false; error: string };

const CURRENCIES: readonly Currency[] = ['usd', 'eur', 'gbp', 'jpy'];
/** Stripe's largest amount: eight digits of minor units. */
const MAX_AMOUNT = 99_999_999;

/** Why `body` is not an AdminChargeInput, or null when it is one. */
function problemOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'expected a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.customer !== 'string' || b.customer === '') return 'customer: expected a customer id';
  if (typeof b.amount !== 'number' || !Number.isInteger(b.amount) || b.amount < 1 || b.amount > MAX_AMOUNT)
    return `amount: expected an integer number of minor units between 1 and ${MAX_AMOUNT}`;
  if (b.currency !== undefined && !CURRENCIES.includes(b.currency as Currency))
    return `currency: expected one of ${CURRENCIES.join(', ')}`;
  if (b.description !== undefined && typeof b.description !== 'string')
    return 'description: expected a string';
  if (b.status !== undefined && b.status !== 'succeeded' && b.status !== 'failed')
    return 'status: expected succeeded or failed';
  return null;
}

/** The card a customer pays with: the one on their newest charge, else a test Visa. */
function cardOf(rt: StripeRuntime, customerId: string, chargeId: string): CardRecord {
  const previous = rt.store.charges.group(customerId)[0];
  if (previous) return { ...previous.record.card };
  return {
    brand: 'visa',
    last4: '4242',
    expMonth: 12,
    expYear: new Date().getUTCFullYear() + 3,
    country: 'US',
    funding: 'credit',
    fingerprint: createHash('sha256').update(`card:${chargeId}`).digest('base64url').slice(0, 16),
  };
}

/**
 * Creates a charge as the Dashboard would (no API request, so no request id), makes it visible to
 * list, retrieve and search, and announces `charge.succeeded` or `charge.failed`.
 */
export function createAdminCharge(
  rt: StripeRuntime,
  emitter: WebhookEmitter | undefined,
  input: unknown,
): AdminChargeOutcome {
  const problem = problemOf(input);
  if (problem) return { ok: false, error: problem };
  const body = input as AdminChargeInput;
  const customer = rt.store.customers.get(body.customer);
  if (!customer) return { ok: false, error: `customer: no such customer: '${body.customer}'` };
  const status = body.status ?? 'succeeded';
  const { id } = rt.store.mint('ch');
  const suffix = id.slice('ch_'.length);
  const charge: ChargeState = {
    id,
    created: Math.floor(Date.now() / 1000),
    customerId: customer.id,
    billing: { name: customer.name, email: customer.email, phone: customer.phone },
    amountRefunded: 0,
    record: {
      stripeId: id,
      paymentIntentId: `pi_${suffix}`,
      balanceTransactionId: `txn_${suffix}`,
      // Not a data-set customer index: nothing reads it once the store is built.
      customer: -1,
      amount: body.amount,
      currency: body.currency ?? 'usd',
      status,
      amountRefunded: 0,
      failureCode: status === 'failed' ? 'card_declined' : null,
      description: body.description ?? 'Sandbox charge',
      card: cardOf(rt, customer.id, id),
      createdAt: Date.now(),
    },
  };
  // insert() bumps the collection version, so cached search results are not served stale.
  rt.store.charges.insert(charge);
  const rendered = rt.render.charge(charge);
  emitter?.emitStripe({
    type: status === 'failed' ? 'charge.failed' : 'charge.succeeded',
    object: rendered,
    requestId: null,
    idempotencyKey: null,
  });
  return { ok: true, charge: rendered };
}

/** `POST /__sandbox/charges` on the Stripe simulator. */
export function stripeAdminRoutes(
  rt: StripeRuntime,
  emitter: WebhookEmitter | undefined,
): (router: express.Router) => void {
  return (router) => {
    router.post('/charges', (req, res) => {
      const outcome = createAdminCharge(rt, emitter, req.body);
      if (!outcome.ok) {
        res.status(400).json({ error: outcome.error });
        return;
      }
      res.json(outcome.charge);
    });
  };
}
