import {
  CircuitState,
  SamplingBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { ProviderError, ProviderErrorCode } from './errors.js';
import { isLocalRefusal } from './policy-errors.js';

/** Share of failed calls in the window that opens the circuit: most calls failing, not a flaky few. */
export const DEFAULT_CIRCUIT_THRESHOLD = 0.5;
/** The sliding window the failure rate is measured over. */
export const DEFAULT_CIRCUIT_WINDOW_MS = 10_000;
/** Calls the window must hold before its rate counts: two unlucky calls at night open nothing. */
export const DEFAULT_CIRCUIT_MIN_CALLS = 10;
/** How long an open circuit fails fast before one probe call may test the provider again. */
export const DEFAULT_CIRCUIT_HALF_OPEN_MS = 10_000;

/** The circuit's state as the schema's `CircuitState` names it. */
export type CircuitStateName = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** 5xx, network, timeouts: the provider failing. A 429 is the provider asking us to slow down. */
const FAILURE_CODES = new Set<ProviderErrorCode>([ProviderErrorCode.UNAVAILABLE, ProviderErrorCode.TIMEOUT]);

/**
 * Whether an error says the provider is failing (5xx, network, timeout, or no answer before the
 * deadline), as opposed to asking us to slow down (429), refusing what we asked (4xx, not found),
 * or our own policy refusing the call (circuit open, bulkhead full, cancelled, local quota).
 */
export function isProviderFailure(error: unknown): boolean {
  return error instanceof ProviderError && FAILURE_CODES.has(error.code) && !isLocalRefusal(error);
}

export interface CircuitOptions {
  /** Share of failed calls (0 < threshold < 1) over the window that opens the circuit. */
  threshold: number;
  windowMs: number;
  /** Calls (failed or not) the window must hold before its failure rate is judged. */
  minCalls: number;
  halfOpenAfterMs: number;
}

/**
 * cockatiel's SamplingBreaker takes a minimum rate, per second of its window; it rounds the window
 * to whole buckets, so the rate is taken against that rounded window. Half a call below the
 * minimum keeps floating-point rounding from ever asking for one call more.
 */
function minimumRps({ windowMs, minCalls }: CircuitOptions): number {
  const buckets = Math.max(5, Math.ceil(windowMs / 1000));
  const sampledMs = Math.round(windowMs / buckets) * buckets;
  return ((minCalls - 0.5) * 1000) / sampledMs;
}

/**
 * One provider's breaker, shared by all its requests. It judges whole operations (a call with its
 * retries), so a call that succeeded on a retry is a success. It opens when more than `threshold`
 * of at least `minCalls` calls in the last `windowMs` failed. Errors that are not provider failures
 * pass through uncounted while closed; a half-open probe that ends in one closes the circuit (the
 * provider did answer), except a local refusal, which reopens it: the probe never reached the provider.
 */
export function createCircuit(options: CircuitOptions): CircuitBreakerPolicy {
  let probing = () => false;
  const breaker = circuitBreaker(
    handleWhen((error) => isProviderFailure(error) || (probing() && isLocal(error))),
    {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new SamplingBreaker({
        threshold: options.threshold,
        duration: options.windowMs,
        minimumRps: minimumRps(options),
      }),
    },
  );
  probing = () => breaker.state === CircuitState.HalfOpen;
  return breaker;
}

function isLocal(error: unknown): boolean {
  return error instanceof ProviderError && isLocalRefusal(error);
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
