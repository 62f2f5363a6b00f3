import type { Dataset } from '../data/dataset.js';
import type { Expanders } from './expand.js';
import { IdempotencyStore } from './idempotency.js';
import {
  renderCharge,
  renderCustomer,
  renderInvoice,
  renderRefund,
  renderSubscription,
  type StripeObject,
} from './objects.js';
import { PaymentLedger } from './payments.js';
import { SearchPageCodec } from './search-page.js';
import { buildStore, type ChargeState, type StripeStore } from './store.js';

/** Everything a route needs: the store, renderers bound to it, expansions and request-scoped helpers. */
export interface StripeRuntime {
  store: StripeStore;
  pages: SearchPageCodec;
  idempotency: IdempotencyStore;
  /** PaymentIntents and balance transactions behind charges and refunds. */
  payments: PaymentLedger;
  render: {
    customer(id: string): StripeObject | undefined;
    charge(charge: ChargeState): StripeObject;
  };
  expanders: {
    charge: Expanders;
    refund: Expanders;
    invoice: Expanders;
    subscription: Expanders;
    paymentIntent: Expanders;
    balanceTransaction: Expanders;
    none: Expanders;
  };
}

export function createRuntime(dataset: Dataset): StripeRuntime {
  const store = buildStore(dataset);
  const customer = (id: string): StripeObject | undefined => {
    const state = store.customers.get(id);
    return state ? renderCustomer(state) : undefined;
  };
  const charge = (state: ChargeState): StripeObject => renderCharge(state, store.refunds.group(state.id));
  const chargeById = (id: string): StripeObject | undefined => {
    const state = store.charges.get(id);
    return state ? charge(state) : undefined;
  };
  const invoiceById = (id: string): StripeObject | undefined => {
    const state = store.invoices.get(id);
    return state ? renderInvoice(state) : undefined;
  };
  const subscriptionById = (id: string): StripeObject | undefined => {
    const state = store.subscriptions.get(id);
    return state ? renderSubscription(state) : undefined;
  };
  const payments = new PaymentLedger(store);
  const paymentIntent = (id: string): StripeObject | undefined => payments.paymentIntent(id);
  const balanceTransaction = (id: string): StripeObject | undefined => payments.balanceTransaction(id);
  const source = (id: string): StripeObject | undefined => {
    if (id.startsWith('re_')) {
      const refund = store.refunds.get(id);
      return refund ? renderRefund(refund) : undefined;
    }
    return chargeById(id);
  };
  return {
    store,
    payments,
    pages: new SearchPageCodec(dataset.seed),
    idempotency: new IdempotencyStore(),
    render: { customer, charge },
    expanders: {
      charge: { customer, payment_intent: paymentIntent, balance_transaction: balanceTransaction },
      refund: {
        charge: chargeById,
        customer,
        payment_intent: paymentIntent,
        balance_transaction: balanceTransaction,
      },
      invoice: { customer, subscription: subscriptionById },
      subscription: { customer, latest_invoice: invoiceById },
      paymentIntent: { customer, latest_charge: chargeById },
      balanceTransaction: { source },
      none: {},
    },
  };
}
