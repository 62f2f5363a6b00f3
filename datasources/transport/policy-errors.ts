import {
  BrokenCircuitError,
  BulkheadRejectedError,
  IsolatedCircuitError,
  TaskCancelledError,
} from 'cockatiel';
import { ProviderError, ProviderErrorCode } from './errors.js';

/**
 * `providerCode`s of failures Concord decided itself, without an answer from the provider. They
 * are never retried, and never counted by the circuit breaker as the provider failing (except
 * DEADLINE, an attempt the provider did not answer in the time the client request had). A value
 * added here is a local refusal by default.
 */
export const LocalFailure = {
  /** The provider's circuit is open: failed fast, no call made. */
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  /** The provider's bulkhead and its queue are full: failed fast, no call made. */
  BULKHEAD_FULL: 'BULKHEAD_FULL',
  /** The client request's deadline passed before the provider answered. */
  DEADLINE: 'DEADLINE',
  /** The caller cancelled the call (its own AbortSignal). */
  CANCELLED: 'CANCELLED',
  /** No room in the provider's quota before the request's deadline: failed fast, no call made. */
  QUOTA_EXHAUSTED: 'QUOTA_EXHAUSTED',
  /** The client request used up its upstream-call budget: no further call made for it. */
  UPSTREAM_BUDGET: 'UPSTREAM_BUDGET',
} as const;
export type LocalFailure = (typeof LocalFailure)[keyof typeof LocalFailure];

const LOCAL_FAILURES = new Set<string>(Object.values(LocalFailure));

/** A call our own policy refused or the caller cancelled: nothing the provider did. */
export function isLocalRefusal(error: ProviderError): boolean {
  const code = error.providerCode;
  return code !== undefined && code !== LocalFailure.DEADLINE && LOCAL_FAILURES.has(code);
}

export function circuitOpenError(provider: string, endpoint: string, cause?: unknown): ProviderError {
  // Retryable for the client (the circuit closes again); our own retry skips it as a local refusal.
  return new ProviderError({
    provider,
    endpoint,
    status: null,
    code: ProviderErrorCode.UNAVAILABLE,
    retryable: true,
    providerCode: LocalFailure.CIRCUIT_OPEN,
    cause,
  });
}

export function bulkheadFullError(provider: string, endpoint: string, cause?: unknown): ProviderError {
  // Not retryable: more attempts are exactly what a full queue must not get.
  return new ProviderError({
    provider,
    endpoint,
    status: null,
    code: ProviderErrorCode.RATE_LIMITED,
    retryable: false,
    providerCode: LocalFailure.BULKHEAD_FULL,
    cause,
  });
}

export function deadlineError(provider: string, endpoint: string, cause?: unknown): ProviderError {
  return new ProviderError({
    provider,
    endpoint,
    status: null,
    code: ProviderErrorCode.TIMEOUT,
    retryable: true,
    providerCode: LocalFailure.DEADLINE,
    cause,
  });
}

export function cancelledError(provider: string, endpoint: string, cause?: unknown): ProviderError {
  return new ProviderError({
    provider,
    endpoint,
    status: null,
    code: ProviderErrorCode.UNAVAILABLE,
    retryable: false,
    providerCode: LocalFailure.CANCELLED,
    cause,
  });
}

export function quotaExhaustedError(provider: string, endpoint: string, retryAfterMs: number): ProviderError {
  // Retryable for the client after the wait; our own retry skips it as a local refusal.
  return new ProviderError({
    provider,
    endpoint,
    status: null,
    code: ProviderErrorCode.RATE_LIMITED,
    retryable: true,
    retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)),
    providerCode: LocalFailure.QUOTA_EXHAUSTED,
  });
}

export function upstreamBudgetError(provider: string, endpoint: string, budget: number): ProviderError {
  return new ProviderError({
    provider,
    endpoint,
    status: null,
    code: ProviderErrorCode.REJECTED,
    retryable: false,
    providerCode: LocalFailure.UPSTREAM_BUDGET,
    details: { budget: String(budget) },
  });
}

/** cockatiel's own errors as the ProviderErrors the rest of Concord understands; others unchanged. */
export function fromPolicyError(error: unknown, provider: string, endpoint: string): unknown {
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError)
    return circuitOpenError(provider, endpoint, error);
  if (error instanceof BulkheadRejectedError) return bulkheadFullError(provider, endpoint, error);
  // The bulkhead and the deadline's timeout both cancel through the request's signal.
  if (error instanceof TaskCancelledError) return deadlineError(provider, endpoint, error);
  return error;
}
