import type { Reply } from '../http/route.js';

export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorFields {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
}

/** Stripe's machine codes get a page under this prefix, with underscores turned into dashes. */
const ERROR_DOCS = 'https://stripe.com/docs/error-codes/';

/** `{error: {...}}` as Stripe sends it; `request_log_url` is added when the request id is stamped. */
export function stripeError(
  status: number,
  fields: StripeErrorFields,
  headers?: Record<string, string>,
): Reply {
  const error: Record<string, string> = {};
  if (fields.code) {
    error.code = fields.code;
    error.doc_url = ERROR_DOCS + fields.code.replace(/_/g, '-');
  }
  error.message = fields.message;
  if (fields.param !== undefined) error.param = fields.param;
  error.type = fields.type;
  return headers ? { status, body: { error }, headers } : { status, body: { error } };
}

export function invalidRequest(message: string, param?: string, code?: string, status = 400): Reply {
  return stripeError(status, {
    type: 'invalid_request_error',
    message,
    ...(param !== undefined ? { param } : {}),
    ...(code ? { code } : {}),
  });
}

/** Stripe's noun for an object type in "No such ..." messages. */
const NOUNS: Record<string, string> = {
  customer: 'customer',
  charge: 'charge',
  refund: 'refund',
  invoice: 'invoice',
  subscription: 'subscription',
  price: 'price',
  payment_intent: 'payment_intent',
  balance_transaction: 'balance transaction',
};

export function resourceMissing(objectType: string, id: string, param = 'id', status = 404): Reply {
  const noun = NOUNS[objectType] ?? objectType;
  return invalidRequest(`No such ${noun}: '${id}'`, param, 'resource_missing', status);
}

export function apiError(status = 500): Reply {
  return stripeError(
    status,
    {
      type: 'api_error',
      message:
        status === 503
          ? 'Stripe is temporarily unavailable. Please try again later.'
          : 'An unknown error occurred while processing your request. Please try again.',
    },
    { 'Stripe-Should-Retry': 'true' },
  );
}
