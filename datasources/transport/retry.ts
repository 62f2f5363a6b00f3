import type { IBackoff, IBackoffFactory, IRetryBackoffContext } from 'cockatiel';
import { ProviderError } from './errors.js';
import type { ProviderRequest } from './http-client.js';
import { isLocalRefusal } from './policy-errors.js';

/**
 * Retries after the first attempt: six tries in all ride out a provider failing 30% of attempts
 * (0.07% of calls fail, against 0.8% with four: a 12-call query then loses a field in 1% of answers,
 * not 9%). The quota paces the extra attempts and the breaker, which judges whole calls, still fails
 * fast once a provider is really down; the backoff ceilings (0.1 + 0.2 + 0.4 + 0.8 + 1.6 s) fit a 10 s deadline.
 */
export const DEFAULT_RETRIES = 5;
/** The first backoff's ceiling; full jitter draws each wait from [0, base · 2^(retry-1)). */
export const DEFAULT_RETRY_BASE_MS = 100;
/** The largest backoff ceiling, however many retries came before. */
export const DEFAULT_RETRY_MAX_MS = 2_000;
/** A retry is only started with at least this much of the deadline left for the attempt itself. */
export const DEFAULT_MIN_ATTEMPT_MS = 50;
/** Without a deadline (work outside a client request), a longer Retry-After is not waited for. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 10_000;

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  minAttemptMs: number;
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  baseMs: DEFAULT_RETRY_BASE_MS,
  maxMs: DEFAULT_RETRY_MAX_MS,
  minAttemptMs: DEFAULT_MIN_ATTEMPT_MS,
  maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
};

/**
 * Whether repeating the request cannot change anything upstream: GETs, POSTs marked as reads,
 * and writes carrying an idempotency key (the provider answers a repeat with the first result).
 */
export function isRetryableRequest(
  req: Pick<ProviderRequest<unknown>, 'method' | 'idempotent' | 'idempotencyKey'>,
): boolean {
  return req.method === 'GET' || req.idempotent === true || Boolean(req.idempotencyKey);
}

/**
 * Whether the failure is worth another try: the provider (or Stripe-Should-Retry, folded in by
 * the Stripe classifier) says so, and it was not our own policy refusing the call.
 */
export function isRetryableError(error: unknown): error is ProviderError {
  return error instanceof ProviderError && error.retryable && !isLocalRefusal(error);
}

/** Milliseconds until `deadline` (negative once past); Infinity when there is none. */
export function timeLeftMs(deadline: number | null, now: number): number {
  return deadline === null ? Number.POSITIVE_INFINITY : deadline - now;
}

export interface RetryDelayInput {
  /** 1 for the first retry. */
  retry: number;
  error: ProviderError;
  timeLeftMs: number;
  options: BackoffOptions;
  /** A number in [0, 1); Math.random in production, fixed in tests. */
  random: () => number;
}

/**
 * The wait before a retry, or null when no retry fits. The provider's Retry-After (or its own hint)
 * wins over our backoff, and must fit before the deadline with time left for the attempt: waiting
 * past the deadline would only fail later. Otherwise exponential backoff with full jitter, capped
 * so that the retry still starts in time.
 */
export function retryDelayMs({
  retry,
  error,
  timeLeftMs: left,
  options,
  random,
}: RetryDelayInput): number | null {
  const budget = left - options.minAttemptMs;
  if (budget < 0) return null;
  if (error.retryAfterMs !== undefined) {
    const wait = Math.max(0, error.retryAfterMs);
    return wait <= budget && wait <= options.maxRetryAfterMs ? wait : null;
  }
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.min(Math.floor(random() * ceiling), budget);
}

/** Whether any retry of this error fits before the deadline (the jitter can always draw 0). */
export function retryFits(error: ProviderError, left: number, options: BackoffOptions): boolean {
  return retryDelayMs({ retry: 1, error, timeLeftMs: left, options, random: () => 0 }) !== null;
}

/**
 * cockatiel's backoff for one client request: `retryDelayMs` against that request's deadline.
 * The retry policy only hands it errors `retryFits` accepted, so a null here means the deadline
 * came closer in between; the retry then starts at once and the deadline ends it.
 */
export class DeadlineBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  constructor(
    private readonly deadline: number | null,
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const error = 'error' in context.result ? context.result.error : undefined;
    const delay =
      error instanceof ProviderError
        ? retryDelayMs({
            retry: context.attempt,
            error,
            timeLeftMs: timeLeftMs(this.deadline, this.now()),
            options: this.options,
            random: this.random,
          })
        : null;
    return { duration: delay ?? 0, next: (ctx) => this.next(ctx) };
  }
}
