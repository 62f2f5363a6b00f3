import { randomUUID } from 'node:crypto';
import type { DocumentedLimit } from '../http/limits.js';
import type { RateLimitState } from '../http/provider.js';
import type { Reply, RouteDef } from '../http/route.js';
import { accountDocumentedLimits, DEFAULT_HUBSPOT_ACCOUNT, type HubSpotAccountSettings } from './account.js';

export type ErrorCategory =
  | 'VALIDATION_ERROR'
  | 'OBJECT_NOT_FOUND'
  | 'INVALID_AUTHENTICATION'
  | 'EXPIRED_AUTHENTICATION'
  | 'MISSING_SCOPES'
  | 'CONFLICT'
  | 'RATE_LIMITS'
  | 'INTERNAL_ERROR'
  | 'SERVICE_UNAVAILABLE';

export interface ErrorDetail {
  message: string;
  code?: string;
  in?: string;
}

export interface HubSpotErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category: ErrorCategory;
  subCategory?: string;
  context?: Record<string, string[]>;
  errors?: ErrorDetail[];
}

export interface ErrorExtras {
  subCategory?: string;
  context?: Record<string, string[]>;
  errors?: ErrorDetail[];
}

/** HubSpot's non-2xx body (the `Error` model): status, message, correlationId and category always. */
export function hubspotError(
  status: number,
  category: ErrorCategory,
  message: string,
  extras: ErrorExtras = {},
): Reply {
  const body: HubSpotErrorBody = {
    status: 'error',
    message,
    correlationId: randomUUID(),
    category,
    ...extras,
  };
  return { status, body };
}

export function validationError(message: string, extras: ErrorExtras = {}): Reply {
  return hubspotError(400, 'VALIDATION_ERROR', message, extras);
}

/** Thrown by pure request logic (search, cursors) and turned into a 400 at the route. */
export class HubSpotValidationError extends Error {
  constructor(
    message: string,
    readonly extras: ErrorExtras = {},
  ) {
    super(message);
    this.name = 'HubSpotValidationError';
  }
}

/** Runs request logic, answering its validation failures as HubSpot's 400. */
export function orValidationError(produce: () => Reply): Reply {
  try {
    return produce();
  } catch (error) {
    if (error instanceof HubSpotValidationError) return validationError(error.message, error.extras);
    throw error;
  }
}

/**
 * The account's rate limits in HubSpot's words: the headers every response carries and the limits a
 * route counts against, for its tier, add-on and time zone (see `account.ts`).
 */
export interface HubSpotRateLimits {
  /** HubSpot's rate-limit headers, from the knob's window when one is set; the daily pair counts down while the documented limits are on (else it shows a fresh day). */
  headers(
    state: RateLimitState | null,
    limits?: readonly { limit: DocumentedLimit; state: RateLimitState }[],
  ): Record<string, string>;
  /** Search's own secondly cap, else the ten-secondly window; then the day's. */
  forRoute(route: RouteDef): readonly DocumentedLimit[];
}

/** Search sits outside the ten-secondly window with its own per-second cap per token (FACTS §2, §7.4). */
export const SEARCH_SECONDLY_LIMIT: DocumentedLimit = { name: 'secondly', limit: 4, windowMs: 1000 };
export const isSearchRoute = (route: RouteDef): boolean => route.path.endsWith('/search');

export function hubspotRateLimits(
  settings: HubSpotAccountSettings = DEFAULT_HUBSPOT_ACCOUNT,
): HubSpotRateLimits {
  const { tenSecondly, daily } = accountDocumentedLimits(settings);
  return {
    headers(state, limits = []) {
      const day = limits.find((l) => l.limit.name === daily.name)?.state;
      const max = state?.limit ?? tenSecondly.limit;
      const intervalMs = state?.windowMs ?? tenSecondly.windowMs;
      const remaining = state ? Math.max(0, state.remaining) : max - 1;
      const secondly = Math.max(1, Math.ceil((max * 1000) / intervalMs));
      return {
        'X-HubSpot-RateLimit-Daily': String(daily.limit),
        'X-HubSpot-RateLimit-Daily-Remaining': String(day ? Math.max(0, day.remaining) : daily.limit - 1),
        'X-HubSpot-RateLimit-Interval-Milliseconds': String(intervalMs),
        'X-HubSpot-RateLimit-Max': String(max),
        'X-HubSpot-RateLimit-Remaining': String(remaining),
        'X-HubSpot-RateLimit-Secondly': String(secondly),
        'X-HubSpot-RateLimit-Secondly-Remaining': String(Math.min(secondly, remaining)),
      };
    },
    forRoute: (route) => (isSearchRoute(route) ? [SEARCH_SECONDLY_LIMIT, daily] : [tenSecondly, daily]),
  };
}

const DEFAULT_LIMITS = accountDocumentedLimits(DEFAULT_HUBSPOT_ACCOUNT);
/** The default account's (Enterprise, no add-on, UTC) burst window. */
export const TEN_SECONDLY_LIMIT: DocumentedLimit = DEFAULT_LIMITS.tenSecondly;
/** The default account's daily limit: every call counts, search included, reset at midnight in its time zone. */
export const DAILY_LIMIT: DocumentedLimit = DEFAULT_LIMITS.daily;
/** The default account's headers (see `hubspotRateLimits`). */
export const rateLimitHeaders = hubspotRateLimits().headers;

/**
 * The documented burst-window 429 (FACTS §2, H9), or search's secondly 429 (no policyName, as
 * recorded); the Node client retries each by its message. Retry-After is added for clients that honour it.
 */
export function rateLimitedReply(state: RateLimitState, limit?: DocumentedLimit): Reply {
  const retryAfter = { 'Retry-After': String(Math.max(1, Math.ceil(state.resetInMs / 1000))) };
  if (limit?.name === 'DAILY') {
    // The documented body (FACTS §2, H9); the Node client does not retry it.
    return {
      status: 429,
      body: {
        status: 'error',
        message: 'You have reached your daily limit.',
        errorType: 'RATE_LIMIT',
        correlationId: randomUUID(),
        policyName: 'DAILY',
        requestId: randomUUID(),
      },
      headers: retryAfter,
    };
  }
  if (limit?.name === SEARCH_SECONDLY_LIMIT.name) {
    return {
      status: 429,
      body: {
        status: 'error',
        message: 'You have reached your secondly limit.',
        correlationId: randomUUID(),
        category: 'RATE_LIMITS',
      },
      headers: retryAfter,
    };
  }
  return {
    status: 429,
    body: {
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: randomUUID(),
      policyName: 'TEN_SECONDLY_ROLLING',
      groupName: 'publicapi:private-app:concord-sandbox',
    },
    headers: retryAfter,
  };
}
