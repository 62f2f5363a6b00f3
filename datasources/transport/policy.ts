import {
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  handleWhen,
  retry,
  timeout,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { circuitStateName, createCircuit, type CircuitStateName } from './circuit.js';
import { ProviderError } from './errors.js';
import type { ProviderRequest, ProviderResponse, RequestPolicy } from './http-client.js';
import { cancelledError, deadlineError, fromPolicyError, LocalFailure } from './policy-errors.js';
import type { ProviderQuota, QuotaState } from './provider-quota.js';
import { throughQuota } from './quota-stage.js';
import { currentRequestScope } from './request-scope.js';
import {
  DEFAULT_BACKOFF,
  DeadlineBackoff,
  isRetryableError,
  isRetryableRequest,
  retryFits,
  timeLeftMs,
  type BackoffOptions,
} from './retry.js';

/** Concurrent calls per provider when none is configured; config sizes each provider to its rate limit. */
export const DEFAULT_CONCURRENCY = 8;
/** Calls that may wait for a slot; beyond that a call fails fast instead of piling up. */
export const DEFAULT_QUEUE = 100;

/** Hooks for metrics and logs; each is told about an event as it happens. */
export interface PolicyEvents {
  onRetry?(event: {
    provider: string;
    endpoint: string;
    retry: number;
    delayMs: number;
    error: unknown;
  }): void;
  onCircuitChange?(event: { provider: string; state: CircuitStateName }): void;
  onRejected?(event: { provider: string; endpoint: string; reason: LocalFailure }): void;
}

export interface ProviderPolicyOptions {
  provider: string;
  /** Retries after the first attempt, for requests that are safe to repeat. */
  retries: number;
  backoff?: Partial<BackoffOptions>;
  /** Failure rate (0 < threshold < 1) over `circuitWindowMs`, of at least `circuitMinCalls` calls, that opens the circuit. */
  circuitThreshold: number;
  circuitWindowMs: number;
  circuitMinCalls: number;
  circuitHalfOpenMs: number;
  concurrency: number;
  queue: number;
  events?: PolicyEvents;
  /** The provider × credential's rate limit and fair queue; without one, calls are not paced. */
  quota?: ProviderQuota;
  random?: () => number;
  now?: () => number;
}

/** What the `providers` query and metrics read about one provider's policy. */
export interface PolicyState {
  provider: string;
  circuit: CircuitStateName;
  bulkhead: { active: number; queued: number; concurrency: number; queue: number };
  /** Since start: retries made, and calls refused without reaching the provider. */
  retries: number;
  rejected: { circuitOpen: number; bulkheadFull: number; deadline: number };
  quota?: QuotaState;
}

/**
 * One provider's transport policy, around each request it makes:
 * deadline → circuit breaker → retry (safe requests only) → bulkhead → one attempt.
 * The breaker judges the whole retried operation (a call that succeeded on a retry is a success,
 * and an open circuit fails fast before any attempt or wait); the bulkhead sits inside the retry
 * so a backoff wait holds no slot.
 */
export class ProviderPolicy implements RequestPolicy {
  readonly provider: string;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly bulkhead: BulkheadPolicy;
  private readonly backoff: BackoffOptions;
  private readonly now: () => number;
  private readonly random: () => number;
  private retries = 0;
  private readonly rejected = { circuitOpen: 0, bulkheadFull: 0, deadline: 0 };

  constructor(private readonly options: ProviderPolicyOptions) {
    this.provider = options.provider;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.breaker = createCircuit({
      threshold: options.circuitThreshold,
      windowMs: options.circuitWindowMs,
      minCalls: options.circuitMinCalls,
      halfOpenAfterMs: options.circuitHalfOpenMs,
    });
    this.bulkhead = bulkhead(options.concurrency, options.queue);
    this.breaker.onStateChange((state) =>
      options.events?.onCircuitChange?.({ provider: this.provider, state: circuitStateName(state) }),
    );
  }

  /** Retries after the first attempt of a request safe to repeat (the provider's `*_RETRIES`). */
  get retryLimit(): number {
    return this.options.retries;
  }

  async run<T>(
    req: ProviderRequest<T>,
    attempt: (req: ProviderRequest<T>) => Promise<ProviderResponse<T>>,
  ): Promise<ProviderResponse<T>> {
    const scope = currentRequestScope();
    const deadline = scope?.deadline ?? null;
    const tagged: ProviderRequest<T> = scope
      ? { ...req, headers: { ...req.headers, ...scope.traceHeaders, 'x-request-id': scope.requestId } }
      : req;
    const left = timeLeftMs(deadline, this.now());
    if (left <= 0) throw this.counted(deadlineError(this.provider, req.endpoint));

    const tries = (signal: AbortSignal | undefined) =>
      this.throughCircuit(tagged, signal, (s) =>
        this.withRetries(tagged, deadline, s, (s2) => this.inBulkhead(tagged, s2, attempt)),
      );
    try {
      if (deadline === null) return await tries(undefined);
      // Aggressive: the deadline answers at once, even for a call still queued for a slot, and
      // aborts the signal so an attempt in flight is cut off too. Not aborted once the call is over:
      // nothing is left to cut off then, and each abort builds a DOMException (a stack trace) on the
      // answer's path, for every upstream call.
      return await timeout(left, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }).execute(
        ({ signal }) => tries(signal),
      );
    } catch (error) {
      throw this.counted(
        error instanceof TaskCancelledError ? deadlineError(this.provider, req.endpoint, error) : error,
      );
    }
  }

  private withRetries<T>(
    req: ProviderRequest<T>,
    deadline: number | null,
    signal: AbortSignal | undefined,
    once: (signal: AbortSignal | undefined) => Promise<ProviderResponse<T>>,
  ): Promise<ProviderResponse<T>> {
    if (this.options.retries <= 0 || !isRetryableRequest(req)) return once(signal);
    const policy = retry(
      handleWhen(
        (error) =>
          isRetryableError(error) && retryFits(error, timeLeftMs(deadline, this.now()), this.backoff),
      ),
      {
        maxAttempts: this.options.retries,
        backoff: new DeadlineBackoff(deadline, this.backoff, this.random, this.now),
      },
    );
    policy.onRetry((event) => {
      this.retries += 1;
      this.options.events?.onRetry?.({
        provider: this.provider,
        endpoint: req.endpoint,
        retry: event.attempt,
        delayMs: event.delay,
        error: 'error' in event ? event.error : undefined,
      });
    });
    return policy.execute(({ signal: s }) => once(s), signal);
  }

  /** The whole operation through the breaker, with cockatiel's refusals as ProviderErrors. */
  private async throughCircuit<T>(
    req: ProviderRequest<T>,
    signal: AbortSignal | undefined,
    operation: (signal: AbortSignal) => Promise<ProviderResponse<T>>,
  ): Promise<ProviderResponse<T>> {
    try {
      return await this.breaker.execute(async ({ signal: s }) => {
        try {
          return await operation(s);
        } catch (error) {
          // What the breaker judges: the deadline cutting off the retries is the provider not answering in time.
          throw fromPolicyError(error, this.provider, req.endpoint);
        }
      }, signal);
    } catch (error) {
      throw fromPolicyError(error, this.provider, req.endpoint);
    }
  }

  /** One try through the bulkhead, with its refusals as ProviderErrors the retry can judge. */
  private async inBulkhead<T>(
    req: ProviderRequest<T>,
    signal: AbortSignal | undefined,
    attempt: (req: ProviderRequest<T>) => Promise<ProviderResponse<T>>,
  ): Promise<ProviderResponse<T>> {
    try {
      return await this.withinQuota(req, signal, () =>
        this.bulkhead.execute(({ signal: s }) => this.attemptOnce(req, s, attempt), signal),
      );
    } catch (error) {
      throw fromPolicyError(error, this.provider, req.endpoint);
    }
  }

  /**
   * Budget and quota (quota-stage.ts), after the circuit check and before the bulkhead: every
   * attempt, retries included, takes room in the provider's quota, and a slot is only held once
   * the room is there, so a waiting burst never fills the bulkhead's queue for other clients.
   */
  private withinQuota<T>(
    req: ProviderRequest<T>,
    signal: AbortSignal | undefined,
    run: () => Promise<ProviderResponse<T>>,
  ): Promise<ProviderResponse<T>> {
    return throughQuota(this.options.quota, this.provider, req.endpoint, signal, run);
  }

  private async attemptOnce<T>(
    req: ProviderRequest<T>,
    deadlineSignal: AbortSignal,
    attempt: (req: ProviderRequest<T>) => Promise<ProviderResponse<T>>,
  ): Promise<ProviderResponse<T>> {
    const scope = currentRequestScope();
    if (scope) scope.upstreamCalls += 1;
    const signal = req.signal ? AbortSignal.any([req.signal, deadlineSignal]) : deadlineSignal;
    try {
      return await attempt({ ...req, signal });
    } catch (error) {
      // The client only sees an abort; say whose it was, so the breaker and retry judge it right.
      if (req.signal?.aborted) throw cancelledError(this.provider, req.endpoint, error);
      if (deadlineSignal.aborted) throw deadlineError(this.provider, req.endpoint, error);
      throw error;
    }
  }

  /** Counts the failures this policy decided itself, once per request, as the caller sees them. */
  private counted(error: unknown): unknown {
    if (!(error instanceof ProviderError)) return error;
    const reason = error.providerCode;
    if (reason === LocalFailure.CIRCUIT_OPEN) this.rejected.circuitOpen += 1;
    else if (reason === LocalFailure.BULKHEAD_FULL) this.rejected.bulkheadFull += 1;
    else if (reason === LocalFailure.DEADLINE) this.rejected.deadline += 1;
    else return error;
    this.options.events?.onRejected?.({ provider: this.provider, endpoint: error.endpoint, reason });
    return error;
  }

  state(): PolicyState {
    return {
      provider: this.provider,
      circuit: circuitStateName(this.breaker.state),
      bulkhead: {
        active: this.options.concurrency - this.bulkhead.executionSlots,
        queued: this.options.queue - this.bulkhead.queueSlots,
        concurrency: this.options.concurrency,
        queue: this.options.queue,
      },
      retries: this.retries,
      rejected: { ...this.rejected },
      ...(this.options.quota ? { quota: this.options.quota.state() } : {}),
    };
  }
}

/** The read side: what the `providers` query, and later metrics and /status, see. */
export interface PolicyStates {
  state(provider: string): PolicyState;
  all(): PolicyState[];
}

/** The policies of all providers by name. */
export class ProviderPolicies implements PolicyStates {
  private readonly byName = new Map<string, ProviderPolicy>();

  constructor(policies: readonly ProviderPolicy[]) {
    for (const policy of policies) this.byName.set(policy.provider, policy);
  }

  /** A provider without a policy is a wiring mistake, not a healthy provider. */
  policy(provider: string): ProviderPolicy {
    const policy = this.byName.get(provider);
    if (!policy) throw new Error(`no transport policy for provider ${provider}`);
    return policy;
  }

  state(provider: string): PolicyState {
    return this.policy(provider).state();
  }

  all(): PolicyState[] {
    return [...this.byName.values()].map((p) => p.state());
  }
}
