import { paymentMethodIdOf, type ChargeState, type RefundState, type StripeStore } from './store.js';
import type { StripeObject } from './objects.js';

const DAY_SECONDS = 86_400;

/** Stripe's US card pricing (2.9% + 30¢), the fee a balance transaction shows. */
const feeOf = (amount: number): number => Math.round(amount * 0.029) + 30;

/**
 * The PaymentIntent and balance transactions behind charges and refunds, looked up by their ids.
 * Charges and refunds are only ever added, so the indexes catch up when the collections grow.
 */
export class PaymentLedger {
  private readonly intents = new Map<string, ChargeState>();
  private readonly chargeTxns = new Map<string, ChargeState>();
  private readonly refundTxns = new Map<string, RefundState>();
  private chargesSeen = -1;
  private refundsSeen = -1;

  constructor(private readonly store: StripeStore) {}

  chargeOfIntent(id: string): ChargeState | undefined {
    this.catchUp();
    return this.intents.get(id);
  }

  paymentIntent(id: string): StripeObject | undefined {
    const charge = this.chargeOfIntent(id);
    return charge ? renderPaymentIntent(charge) : undefined;
  }

  balanceTransaction(id: string): StripeObject | undefined {
    this.catchUp();
    const charge = this.chargeTxns.get(id);
    if (charge) return renderChargeTransaction(charge);
    const refund = this.refundTxns.get(id);
    return refund ? renderRefundTransaction(refund) : undefined;
  }

  private catchUp(): void {
    const charges = this.store.charges.all;
    if (charges.length !== this.chargesSeen) {
      for (const charge of charges) {
        this.intents.set(charge.record.paymentIntentId, charge);
        if (charge.record.status === 'succeeded')
          this.chargeTxns.set(charge.record.balanceTransactionId, charge);
      }
      this.chargesSeen = charges.length;
    }
    const refunds = this.store.refunds.all;
    if (refunds.length !== this.refundsSeen) {
      for (const refund of refunds) this.refundTxns.set(refundTransactionId(refund), refund);
      this.refundsSeen = refunds.length;
    }
  }
}

/** The id `renderRefund` shows as a refund's `balance_transaction`. */
export const refundTransactionId = (refund: RefundState): string => `txn_${refund.id.slice('re_'.length)}`;

export function renderPaymentIntent(charge: ChargeState): StripeObject {
  const r = charge.record;
  const succeeded = r.status === 'succeeded';
  const id = r.paymentIntentId;
  return {
    id,
    object: 'payment_intent',
    amount: r.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: succeeded ? r.amount : 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { enabled: true },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${id}_secret_${id.slice(-24).padStart(24, '0')}`,
    confirmation_method: 'automatic',
    created: charge.created,
    currency: r.currency,
    customer: charge.customerId,
    customer_account: null,
    description: r.description,
    excluded_payment_method_types: null,
    // A declined attempt leaves the intent waiting for another payment method, with the decline recorded.
    last_payment_error: succeeded
      ? null
      : {
          charge: charge.id,
          code: 'card_declined',
          decline_code: r.failureCode === 'card_declined' ? 'generic_decline' : r.failureCode,
          doc_url: 'https://stripe.com/docs/error-codes/card-declined',
          message: 'Your card was declined.',
          payment_method: { id: paymentMethodIdOf(charge.id), object: 'payment_method', type: 'card' },
          type: 'card_error',
        },
    latest_charge: charge.id,
    livemode: false,
    managed_payments: null,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: succeeded ? paymentMethodIdOf(charge.id) : null,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: succeeded ? 'succeeded' : 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  };
}

function renderChargeTransaction(charge: ChargeState): StripeObject {
  const r = charge.record;
  const fee = feeOf(r.amount);
  return {
    id: r.balanceTransactionId,
    object: 'balance_transaction',
    amount: r.amount,
    available_on: charge.created + 2 * DAY_SECONDS,
    balance_type: 'payments',
    created: charge.created,
    currency: r.currency,
    description: r.description,
    exchange_rate: null,
    fee,
    fee_details: [
      {
        amount: fee,
        application: null,
        currency: r.currency,
        description: 'Stripe processing fees',
        type: 'stripe_fee',
      },
    ],
    net: r.amount - fee,
    reporting_category: 'charge',
    source: charge.id,
    status: 'available',
    type: 'charge',
  };
}

function renderRefundTransaction(refund: RefundState): StripeObject {
  return {
    id: refundTransactionId(refund),
    object: 'balance_transaction',
    amount: -refund.amount,
    available_on: refund.created,
    balance_type: 'payments',
    created: refund.created,
    currency: refund.currency,
    description: 'REFUND FOR CHARGE',
    exchange_rate: null,
    fee: 0,
    fee_details: [],
    net: -refund.amount,
    reporting_category: 'refund',
    source: refund.id,
    status: 'available',
    type: 'refund',
  };
}
