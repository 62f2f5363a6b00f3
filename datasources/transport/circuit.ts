import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { ProviderError, ProviderErrorCode } from './errors.js';
import { isLocalRefusal } from './policy-errors.js';

/** Consecutive provider failures that open the circuit: a few in a row, not one unlucky call. */
export const DEFAULT_CIRCUIT_FAILURES = 5;
/** How long an open circuit fails fast before one probe call may test the provider again. */
export const DEFAULT_CIRCUIT_HALF_OPEN_MS = 10_000;

/** The circuit's state as the schema's `CircuitState` names it. */
export type CircuitStateName = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

const FAILURE_CODES = new Set<ProviderErrorCode>([
  ProviderErrorCode.UNAVAILABLE,
  ProviderErrorCode.TIMEOUT,
  ProviderErrorCode.RATE_LIMITED,
]);

/**
 * Whether an error says the provider is failing (5xx, network, timeout, 429), as opposed to
 * refusing what we asked (4xx, not found) or our own policy refusing the call.
 */
export function isProviderFailure(error: unknown): boolean {
  return error instanceof ProviderError && FAILURE_CODES.has(error.code) && !isLocalRefusal(error);
}

export interface CircuitOptions {
  failures: number;
  halfOpenAfterMs: number;
}

/**
 * One provider's breaker, shared by all its requests. Errors that are not provider failures pass
 * through uncounted while closed; a half-open probe that ends in one closes the circuit, since
 * the provider did answer.
 */
export function createCircuit(options: CircuitOptions): CircuitBreakerPolicy {
  return circuitBreaker(handleWhen(isProviderFailure), {
    halfOpenAfter: options.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.failures),
  });
}

export function circuitStateName(state: CircuitState): CircuitStateName {
  switch (state) {
    case CircuitState.Closed:
      return 'CLOSED';
    case CircuitState.HalfOpen:
      return 'HALF_OPEN';
    default:
      // Open, or held open by hand (Isolated): either way calls fail fast.
      return 'OPEN';
  }
}
