import type { Currency } from '../data/dataset.js';
import {
  paymentMethodIdOf,
  type ChargeState,
  type CustomerState,
  type InvoiceState,
  type PriceState,
  type RefundState,
  type SubscriptionState,
} from './store.js';

/** Renderers from stored state to Stripe's JSON; field sets follow Stripe's own fixtures (fixtures3.json). */
export type StripeObject = Record<string, unknown>;

const NULL_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

export function nestedList(data: unknown[], url: string, hasMore = false): StripeObject {
  return { object: 'list', data, has_more: hasMore, url };
}

export function renderCustomer(c: CustomerState): StripeObject {
  return {
    id: c.id,
    object: 'customer',
    address: null,
    balance: 0,
    created: c.created,
    currency: c.currency,
    default_source: null,
    delinquent: c.delinquent,
    description: c.description,
    discount: null,
    email: c.email,
    invoice_prefix: c.invoicePrefix,
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: { ...c.metadata },
    name: c.name,
    next_invoice_sequence: c.nextInvoiceSequence,
    phone: c.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

const FAILURE_MESSAGES: Record<string, string> = {
  card_declined: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  expired_card: 'Your card has expired.',
};

function outcomeOf(charge: ChargeState): StripeObject | null {
  const { status, failureCode } = charge.record;
  if (status === 'pending') return null;
  const declined = status === 'failed';
  return {
    advice_code: declined ? 'try_again_later' : null,
    network_advice_code: null,
    network_decline_code: null,
    network_status: declined ? 'declined_by_network' : 'approved_by_network',
    reason: declined ? (failureCode === 'card_declined' ? 'generic_decline' : failureCode) : null,
    seller_message: declined
      ? 'The bank did not return any further details with this decline.'
      : 'Payment complete.',
    type: declined ? 'issuer_declined' : 'authorized',
  };
}

export function renderCharge(charge: ChargeState, refunds: readonly RefundState[]): StripeObject {
  const r = charge.record;
  const succeeded = r.status === 'succeeded';
  return {
    id: charge.id,
    object: 'charge',
    amount: r.amount,
    amount_captured: succeeded ? r.amount : 0,
    amount_refunded: charge.amountRefunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: succeeded ? r.balanceTransactionId : null,
    billing_details: {
      address: { ...NULL_ADDRESS },
      email: charge.billing.email,
      name: charge.billing.name,
      phone: charge.billing.phone,
      tax_id: null,
    },
    calculated_statement_descriptor: 'CONCORD SANDBOX',
    captured: succeeded,
    created: charge.created,
    currency: r.currency,
    customer: charge.customerId,
    description: r.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: r.failureCode,
    failure_message: r.failureCode ? (FAILURE_MESSAGES[r.failureCode] ?? 'Your card was declined.') : null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: outcomeOf(charge),
    paid: succeeded,
    payment_intent: r.paymentIntentId,
    payment_method: paymentMethodIdOf(charge.id),
    payment_method_details: {
      card: {
        amount_authorized: r.status === 'failed' ? null : r.amount,
        brand: r.card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: r.card.country,
        exp_month: r.card.expMonth,
        exp_year: r.card.expYear,
        extended_authorization: { status: 'disabled' },
        fingerprint: r.card.fingerprint,
        funding: r.card.funding,
        incremental_authorization: { status: 'unavailable' },
        installments: null,
        last4: r.card.last4,
        mandate: null,
        multicapture: { status: 'unavailable' },
        network: r.card.brand,
        network_token: { used: false },
        overcapture: { maximum_amount_capturable: r.amount, status: 'unavailable' },
        three_d_secure: null,
        wallet: null,
        authorization_code: null,
        regulated_status: 'unregulated',
        network_transaction_id: null,
        transaction_link_id: null,
      },
      type: 'card',
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: succeeded ? `https://pay.stripe.com/receipts/payment/${charge.id}` : null,
    refunded: charge.amountRefunded >= r.amount && r.amount > 0,
    refunds: nestedList(refunds.map(renderRefund), `/v1/charges/${charge.id}/refunds`),
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: r.status,
    transfer_data: null,
    transfer_group: null,
    source: null,
  };
}

export function renderRefund(refund: RefundState): StripeObject {
  return {
    id: refund.id,
    object: 'refund',
    amount: refund.amount,
    balance_transaction: `txn_${refund.id.slice('re_'.length)}`,
    charge: refund.chargeId,
    created: refund.created,
    currency: refund.currency,
    destination_details: { card: { type: 'refund' }, type: 'card' },
    metadata: { ...refund.metadata },
    payment_intent: refund.paymentIntentId,
    reason: refund.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
    customer: refund.customerId,
    customer_account: null,
    payment_method: refund.paymentMethodId,
  };
}

export function renderPrice(price: PriceState): StripeObject {
  const p = price.record;
  return {
    id: price.id,
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: price.created,
    currency: p.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: p.nickname,
    product: p.productId,
    recurring: {
      interval: p.interval,
      interval_count: 1,
      meter: null,
      usage_type: 'licensed',
      trial_period_days: null,
    },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'recurring',
    unit_amount: p.unitAmount,
    unit_amount_decimal: String(p.unitAmount),
  };
}

/** The legacy plan view Stripe still embeds in subscription items; it shares the price's id. */
function renderPlan(price: PriceState): StripeObject {
  const p = price.record;
  return {
    id: price.id,
    object: 'plan',
    active: true,
    amount: p.unitAmount,
    amount_decimal: String(p.unitAmount),
    billing_scheme: 'per_unit',
    created: price.created,
    currency: p.currency,
    interval: p.interval,
    interval_count: 1,
    livemode: false,
    metadata: {},
    meter: null,
    nickname: p.nickname,
    product: p.productId,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

export function renderSubscriptionItem(sub: SubscriptionState): StripeObject {
  return {
    id: sub.record.itemId,
    object: 'subscription_item',
    created: sub.created,
    discounts: [],
    metadata: {},
    price: renderPrice(sub.price),
    quantity: sub.record.quantity,
    subscription: sub.id,
    tax_rates: [],
    plan: renderPlan(sub.price),
    current_period_end: seconds(sub.record.currentPeriodEnd),
    current_period_start: seconds(sub.record.currentPeriodStart),
    billing_thresholds: null,
  };
}

export function renderSubscription(sub: SubscriptionState): StripeObject {
  const r = sub.record;
  const canceledAt = r.canceledAt === null ? null : seconds(r.canceledAt);
  const trialing = r.status === 'trialing';
  return {
    id: sub.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { enabled: false, liability: null, disabled_reason: null },
    billing_cycle_anchor: sub.created,
    billing_cycle_anchor_config: null,
    cancel_at: null,
    canceled_at: canceledAt,
    cancellation_details: {
      comment: null,
      feedback: null,
      reason: canceledAt === null ? null : 'cancellation_requested',
    },
    collection_method: 'charge_automatically',
    created: sub.created,
    currency: sub.price.record.currency,
    customer: sub.customerId,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: canceledAt,
    invoice_settings: {
      account_tax_ids: null,
      issuer: { type: 'self' },
      custom_fields: null,
      description: null,
      footer: null,
    },
    items: nestedList([renderSubscriptionItem(sub)], `/v1/subscription_items?subscription=${sub.id}`),
    latest_invoice: sub.latestInvoiceId,
    livemode: false,
    metadata: {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: 'off',
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: sub.created,
    status: r.status,
    test_clock: null,
    transfer_data: null,
    trial_end: trialing ? seconds(r.currentPeriodEnd) : null,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
    trial_start: trialing ? sub.created : null,
    cancel_at_period_end: false,
    billing_thresholds: null,
    billing_mode: { type: 'classic', flexible: null },
    customer_account: null,
    managed_payments: null,
    billing_schedules: [],
  };
}

const SYMBOLS: Record<Currency, string> = { usd: '$', eur: '€', gbp: '£', jpy: '¥' };

/** "$29.00" or "¥4,350": how Stripe writes prices in line descriptions. */
export function formatMoney(amount: number, currency: Currency): string {
  const major = currency === 'jpy' ? amount : amount / 100;
  const digits = currency === 'jpy' ? 0 : 2;
  return (
    SYMBOLS[currency] +
    major.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
  );
}

export function renderLineItem(invoice: InvoiceState): StripeObject {
  const r = invoice.record;
  const price = invoice.price.record;
  return {
    id: r.lineId,
    object: 'line_item',
    amount: r.amountDue,
    currency: r.currency,
    description: `${invoice.quantity} × ${price.productName} (at ${formatMoney(price.unitAmount, price.currency)} / ${price.interval})`,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: invoice.id,
    livemode: false,
    metadata: {},
    period: { end: seconds(r.periodEnd), start: seconds(r.periodStart) },
    quantity: invoice.quantity,
    subscription: invoice.subscriptionId,
    pretax_credit_amounts: [],
    taxes: [],
    parent: {
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null,
        proration: false,
        proration_details: { credited_items: null },
        subscription: invoice.subscriptionId,
        subscription_item: invoice.subscriptionItemId,
      },
      type: 'subscription_item_details',
    },
    pricing: { type: 'price_details', unit_amount_decimal: String(price.unitAmount) },
    subtotal: r.amountDue,
    quantity_decimal: String(invoice.quantity),
  };
}

export function renderInvoice(invoice: InvoiceState): StripeObject {
  const r = invoice.record;
  const finalized = r.status !== 'draft';
  const created = invoice.created;
  const hostedBase = `https://invoice.stripe.com/i/acct_ConcordSandbox/test_${invoice.id.slice('in_'.length)}`;
  return {
    id: invoice.id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Concord Sandbox',
    account_tax_ids: null,
    amount_due: r.amountDue,
    amount_paid: r.amountPaid,
    amount_remaining: r.status === 'void' ? 0 : r.amountDue - r.amountPaid,
    amount_shipping: 0,
    application: null,
    attempt_count: finalized && r.amountDue > 0 ? 1 : 0,
    attempted: finalized,
    auto_advance: r.status === 'draft' || r.status === 'open',
    automatic_tax: { enabled: false, liability: null, status: null, disabled_reason: null, provider: null },
    billing_reason: invoice.firstOfSubscription ? 'subscription_create' : 'subscription_cycle',
    collection_method: 'charge_automatically',
    created,
    currency: r.currency,
    custom_fields: null,
    customer: invoice.customerId,
    customer_address: null,
    customer_email: invoice.billing.email,
    customer_name: invoice.billing.name,
    customer_phone: invoice.billing.phone,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: r.dueDate === null ? null : seconds(r.dueDate),
    effective_at: finalized ? created : null,
    ending_balance: finalized ? 0 : null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: finalized ? hostedBase : null,
    invoice_pdf: finalized ? `${hostedBase}/pdf` : null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: nestedList([renderLineItem(invoice)], `/v1/invoices/${invoice.id}/lines`),
    livemode: false,
    metadata: {},
    next_payment_attempt: r.status === 'open' ? seconds(r.periodEnd) : null,
    number: finalized ? r.number : null,
    on_behalf_of: null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: seconds(r.periodEnd),
    period_start: seconds(r.periodStart),
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: r.status,
    status_transitions: {
      finalized_at: finalized ? created : null,
      marked_uncollectible_at: r.status === 'uncollectible' ? created : null,
      paid_at: r.status === 'paid' ? created : null,
      voided_at: r.status === 'void' ? created : null,
    },
    subscription: invoice.subscriptionId,
    subtotal: r.amountDue,
    subtotal_excluding_tax: r.amountDue,
    test_clock: null,
    total: r.amountDue,
    total_discount_amounts: [],
    total_excluding_tax: r.amountDue,
    webhooks_delivered_at: finalized ? created : null,
    automatically_finalizes_at: null,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    amount_overpaid: 0,
    parent: {
      quote_details: null,
      subscription_details: { metadata: null, subscription: invoice.subscriptionId },
      type: 'subscription_details',
    },
    customer_account: null,
  };
}
