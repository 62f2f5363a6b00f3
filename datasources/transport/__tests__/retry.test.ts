import { describe, expect, it } from '@jest/globals';
import { ProviderError, ProviderErrorCode, type ProviderErrorInit } from '../errors.js';
import { bulkheadFullError, circuitOpenError } from '../policy-errors.js';
import {
  DEFAULT_BACKOFF,
  DeadlineBackoff,
  isRetryableError,
  isRetryableRequest,
  retryDelayMs,
  retryFits,
  timeLeftMs,
  type BackoffOptions,
} from '../retry.js';

const OPTIONS: BackoffOptions = { baseMs: 100, maxMs: 1_000, minAttemptMs: 50, maxRetryAfterMs: 10_000 };

function failure(init: Partial<ProviderErrorInit> = {}): ProviderError {
  return new ProviderError({
    provider: 'acme',
    endpoint: 'GET /things',
    status: 503,
    code: ProviderErrorCode.UNAVAILABLE,
    retryable: true,
    ...init,
  });
}

/** A seeded stream of numbers in [0, 1), so the bounds are checked over many draws, not one. */
function draws(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('which requests may be retried', () => {
  it('retries GETs, POSTs marked as reads, and writes that carry an idempotency key', () => {
    expect(isRetryableRequest({ method: 'GET' })).toBe(true);
    expect(isRetryableRequest({ method: 'POST', idempotent: true })).toBe(true);
    expect(isRetryableRequest({ method: 'POST', idempotencyKey: 'key-1' })).toBe(true);
  });

  it('never retries a write that could be applied twice', () => {
    expect(isRetryableRequest({ method: 'POST' })).toBe(false);
    expect(isRetryableRequest({ method: 'POST', idempotent: false })).toBe(false);
    expect(isRetryableRequest({ method: 'POST', idempotencyKey: '' })).toBe(false);
    expect(isRetryableRequest({ method: 'PATCH' })).toBe(false);
    expect(isRetryableRequest({ method: 'DELETE' })).toBe(false);
  });
});

describe('which failures may be retried', () => {
  it('retries what the provider calls transient (5xx, 429, timeouts, Stripe-Should-Retry: true)', () => {
    expect(isRetryableError(failure())).toBe(true);
    expect(isRetryableError(failure({ code: ProviderErrorCode.RATE_LIMITED, status: 429 }))).toBe(true);
    expect(isRetryableError(failure({ code: ProviderErrorCode.TIMEOUT, status: null }))).toBe(true);
  });

  it('does not retry what the provider refused, or what our own policy refused', () => {
    expect(
      isRetryableError(failure({ code: ProviderErrorCode.NOT_FOUND, status: 404, retryable: false })),
    ).toBe(false);
    // Stripe-Should-Retry: false on a 5xx: the classifier folds it into `retryable`.
    expect(isRetryableError(failure({ status: 500, retryable: false }))).toBe(false);
    expect(isRetryableError(circuitOpenError('acme', 'GET /things'))).toBe(false);
    expect(isRetryableError(bulkheadFullError('acme', 'GET /things'))).toBe(false);
    expect(isRetryableError(new Error('boom'))).toBe(false);
  });
});

describe('the wait before a retry', () => {
  it('draws full jitter from [0, base·2^(retry-1)), capped at the maximum', () => {
    const random = draws(42);
    for (const [retry, ceiling] of [
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 800],
      [5, 1_000],
      [9, 1_000],
    ] as const) {
      const waits = Array.from({ length: 500 }, () =>
        retryDelayMs({ retry, error: failure(), timeLeftMs: Infinity, options: OPTIONS, random }),
      );
      for (const wait of waits) {
        expect(wait).not.toBeNull();
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThan(ceiling);
      }
      // Full jitter spreads over the whole range, not around its top.
      expect(Math.min(...(waits as number[]))).toBeLessThan(ceiling * 0.1);
      expect(Math.max(...(waits as number[]))).toBeGreaterThan(ceiling * 0.9);
    }
  });

  it('waits exactly the Retry-After (or provider hint) instead of its own backoff', () => {
    const error = failure({ code: ProviderErrorCode.RATE_LIMITED, status: 429, retryAfterMs: 1_500 });
    for (const retry of [1, 2, 6]) {
      expect(retryDelayMs({ retry, error, timeLeftMs: Infinity, options: OPTIONS, random: () => 0.99 })).toBe(
        1_500,
      );
    }
  });

  it('never sleeps past the deadline: a Retry-After longer than the time left means no retry', () => {
    const error = failure({ status: 429, code: ProviderErrorCode.RATE_LIMITED, retryAfterMs: 1_000 });
    expect(retryDelayMs({ retry: 1, error, timeLeftMs: 1_050, options: OPTIONS, random: Math.random })).toBe(
      1_000,
    );
    // 1,000 ms wait + 50 ms for the attempt itself do not fit in 1,049 ms.
    expect(
      retryDelayMs({ retry: 1, error, timeLeftMs: 1_049, options: OPTIONS, random: Math.random }),
    ).toBeNull();
    expect(retryFits(error, 500, OPTIONS)).toBe(false);
    expect(retryFits(error, 5_000, OPTIONS)).toBe(true);
  });

  it('caps the jittered wait so the retry still starts with time for its attempt', () => {
    const wait = retryDelayMs({
      retry: 5,
      error: failure(),
      timeLeftMs: 120,
      options: OPTIONS,
      random: () => 0.99,
    });
    expect(wait).toBe(70);
    expect(
      retryDelayMs({ retry: 1, error: failure(), timeLeftMs: 49, options: OPTIONS, random: () => 0 }),
    ).toBeNull();
  });

  it('without a deadline, does not wait for a Retry-After longer than the configured most', () => {
    const error = failure({ retryAfterMs: 60_000 });
    expect(
      retryDelayMs({ retry: 1, error, timeLeftMs: Infinity, options: OPTIONS, random: () => 0 }),
    ).toBeNull();
  });

  it('measures the time left from the deadline, and treats no deadline as unbounded', () => {
    expect(timeLeftMs(null, 1_000)).toBe(Number.POSITIVE_INFINITY);
    expect(timeLeftMs(1_500, 1_000)).toBe(500);
    expect(timeLeftMs(1_000, 1_500)).toBe(-500);
  });

  it('feeds cockatiel the wait for the retry it is about to make', () => {
    let now = 10_000;
    const backoff = new DeadlineBackoff(
      10_300,
      DEFAULT_BACKOFF,
      () => 0.5,
      () => now,
    );
    const signal = new AbortController().signal;
    const first = backoff.next({ attempt: 1, signal, result: { error: failure() } });
    expect(first.duration).toBe(50);
    now = 10_200;
    // 100 ms left, 50 of them kept for the attempt: the 100 ms jitter draw is cut to 50.
    const second = first.next({ attempt: 2, signal, result: { error: failure() } });
    expect(second.duration).toBe(50);
    const hinted = second.next({ attempt: 3, signal, result: { error: failure({ retryAfterMs: 30 }) } });
    expect(hinted.duration).toBe(30);
  });
});
