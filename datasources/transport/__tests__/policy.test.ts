import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ProviderError, ProviderErrorCode } from '../errors.js';
import type { ProviderRequest, ProviderResponse } from '../http-client.js';
import { LocalFailure, isLocalRefusal } from '../policy-errors.js';
import { ProviderPolicy, type ProviderPolicyOptions } from '../policy.js';
import { newRequestScope, runInRequestScope } from '../request-scope.js';
import { providerFailure } from '../../../test/support/provider-failure.js';

const GET: ProviderRequest<unknown> = {
  method: 'GET',
  path: '/things',
  endpoint: 'GET /things',
  schema: z.unknown(),
};
const POST: ProviderRequest<unknown> = { ...GET, method: 'POST', endpoint: 'POST /things' };

function policy(options: Partial<ProviderPolicyOptions> = {}): ProviderPolicy {
  return new ProviderPolicy({
    provider: 'acme',
    retries: 2,
    backoff: { baseMs: 1, maxMs: 2 },
    circuitThreshold: 0.5,
    circuitWindowMs: 10_000,
    circuitMinCalls: 3,
    circuitHalfOpenMs: 60_000,
    concurrency: 4,
    queue: 4,
    ...options,
  });
}

function failing(status: number, code: ProviderErrorCode, retryable: boolean) {
  return new ProviderError({ provider: 'acme', endpoint: 'GET /things', status, code, retryable });
}

const ok: ProviderResponse<unknown> = { status: 200, body: {}, headers: {} };

/** An upstream stand-in that answers each attempt from a script and records what it was sent. */
function upstream(script: Array<ProviderError | 'ok'>) {
  const seen: Array<ProviderRequest<unknown>> = [];
  const attempt = (req: ProviderRequest<unknown>): Promise<ProviderResponse<unknown>> => {
    seen.push(req);
    const next = script[Math.min(seen.length - 1, script.length - 1)];
    return next === 'ok' || next === undefined ? Promise.resolve(ok) : Promise.reject(next);
  };
  return { seen, attempt };
}

describe('ProviderPolicy', () => {
  it('retries a safe request on a transient failure, at most the configured times', async () => {
    const p = policy();
    const flaky = upstream([failing(503, ProviderErrorCode.UNAVAILABLE, true), 'ok']);
    await expect(p.run(GET, flaky.attempt)).resolves.toBe(ok);
    expect(flaky.seen).toHaveLength(2);

    const down = upstream([failing(503, ProviderErrorCode.UNAVAILABLE, true)]);
    const error = await providerFailure(p.run(GET, down.attempt));
    expect(error.status).toBe(503);
    expect(down.seen).toHaveLength(3);
    expect(p.state().retries).toBe(3);
  });

  it('does not retry a POST that is not marked safe, nor a failure the provider calls final', async () => {
    const p = policy();
    const down = upstream([failing(503, ProviderErrorCode.UNAVAILABLE, true)]);
    await providerFailure(p.run(POST, down.attempt));
    expect(down.seen).toHaveLength(1);

    const read = upstream([failing(503, ProviderErrorCode.UNAVAILABLE, true), 'ok']);
    await expect(p.run({ ...POST, idempotent: true }, read.attempt)).resolves.toBe(ok);
    expect(read.seen).toHaveLength(2);

    const missing = upstream([failing(404, ProviderErrorCode.NOT_FOUND, false)]);
    await providerFailure(p.run(GET, missing.attempt));
    expect(missing.seen).toHaveLength(1);
  });

  it('opens the circuit on provider failures only, then fails fast without calling', async () => {
    const p = policy({ retries: 0 });
    const missing = upstream([failing(404, ProviderErrorCode.NOT_FOUND, false)]);
    for (let i = 0; i < 5; i++) await providerFailure(p.run(GET, missing.attempt));
    expect(p.state().circuit).toBe('CLOSED');

    const down = upstream([failing(500, ProviderErrorCode.UNAVAILABLE, true)]);
    for (let i = 0; i < 3; i++) await providerFailure(p.run(GET, down.attempt));
    expect(p.state().circuit).toBe('OPEN');
    const fast = await providerFailure(p.run(GET, down.attempt));
    expect(fast.code).toBe(ProviderErrorCode.UNAVAILABLE);
    expect(fast.providerCode).toBe(LocalFailure.CIRCUIT_OPEN);
    expect(down.seen).toHaveLength(3);
    expect(p.state().rejected.circuitOpen).toBe(1);
  });

  it('probes a half-open circuit once the wait is over, and closes it when the probe succeeds', async () => {
    let now = 1_000_000;
    const p = policy({ retries: 0, circuitMinCalls: 1, circuitHalfOpenMs: 50, now: () => now });
    await providerFailure(p.run(GET, upstream([failing(502, ProviderErrorCode.UNAVAILABLE, true)]).attempt));
    expect(p.state().circuit).toBe('OPEN');
    // cockatiel reads the real clock for the half-open wait.
    await new Promise((resolve) => setTimeout(resolve, 60));
    now += 60;
    const healthy = upstream(['ok']);
    await expect(p.run(GET, healthy.attempt)).resolves.toBe(ok);
    expect(healthy.seen).toHaveLength(1);
    expect(p.state().circuit).toBe('CLOSED');
  });

  it('judges the whole retried call: one that succeeds on a retry is a success, however many attempts failed', async () => {
    const p = policy({ retries: 2, circuitMinCalls: 3 });
    let attempts = 0;
    // Two of every three attempts fail: per attempt that is a 67% failure rate, per call none.
    const flaky = (): Promise<ProviderResponse<unknown>> =>
      ++attempts % 3 === 0
        ? Promise.resolve(ok)
        : Promise.reject(failing(503, ProviderErrorCode.UNAVAILABLE, true));
    for (let i = 0; i < 20; i++) await expect(p.run(GET, flaky)).resolves.toBe(ok);
    expect(attempts).toBe(60);
    expect(p.state()).toMatchObject({ circuit: 'CLOSED', retries: 40 });
  });

  it('opens on a failure rate over the window only once it holds the minimum number of calls', async () => {
    const p = policy({ retries: 0, circuitThreshold: 0.5, circuitMinCalls: 6 });
    const down = upstream([failing(503, ProviderErrorCode.UNAVAILABLE, true)]);
    const healthy = upstream(['ok']);
    // 3 of 5 failed (60%), but 5 calls are fewer than 6: the rate is not judged yet.
    for (let i = 0; i < 2; i++) await p.run(GET, healthy.attempt);
    for (let i = 0; i < 3; i++) await providerFailure(p.run(GET, down.attempt));
    expect(p.state().circuit).toBe('CLOSED');
    // 4 of 6: over half.
    await providerFailure(p.run(GET, down.attempt));
    expect(p.state().circuit).toBe('OPEN');
  });

  it('never opens on 429s (the provider asking us to slow down) nor on our own refusals', async () => {
    const p = policy({ retries: 0, circuitMinCalls: 3 });
    const limited = upstream([failing(429, ProviderErrorCode.RATE_LIMITED, true)]);
    for (let i = 0; i < 20; i++) {
      const error = await providerFailure(p.run(GET, limited.attempt));
      expect(error.code).toBe(ProviderErrorCode.RATE_LIMITED);
    }
    // A refusal decided locally under the policy (a quota stage, say), whatever its providerCode.
    const refused = new ProviderError({
      provider: 'acme',
      endpoint: 'GET /things',
      status: null,
      code: ProviderErrorCode.RATE_LIMITED,
      retryable: false,
      providerCode: LocalFailure.BULKHEAD_FULL,
    });
    const local = upstream([refused]);
    for (let i = 0; i < 20; i++) await providerFailure(p.run(GET, local.attempt));
    expect(p.state().circuit).toBe('CLOSED');
  });

  it('fails fast while open: no attempt, no retry, no wait', async () => {
    const p = policy({ retries: 2, circuitMinCalls: 1 });
    const down = upstream([failing(503, ProviderErrorCode.UNAVAILABLE, true)]);
    await providerFailure(p.run(GET, down.attempt));
    expect(down.seen).toHaveLength(3);
    expect(p.state().circuit).toBe('OPEN');
    const retries = p.state().retries;
    const fast = await providerFailure(p.run(GET, down.attempt));
    expect(fast).toMatchObject({
      code: ProviderErrorCode.UNAVAILABLE,
      providerCode: LocalFailure.CIRCUIT_OPEN,
    });
    expect(down.seen).toHaveLength(3);
    expect(p.state().retries).toBe(retries);
  });

  it('reopens when the half-open probe never reached the provider (refused locally)', async () => {
    const p = policy({ retries: 0, circuitMinCalls: 1, circuitHalfOpenMs: 50 });
    await providerFailure(p.run(GET, upstream([failing(502, ProviderErrorCode.UNAVAILABLE, true)]).attempt));
    await new Promise((resolve) => setTimeout(resolve, 60));
    const refused = new ProviderError({
      provider: 'acme',
      endpoint: 'GET /things',
      status: null,
      code: ProviderErrorCode.RATE_LIMITED,
      retryable: false,
      providerCode: LocalFailure.BULKHEAD_FULL,
    });
    await providerFailure(p.run(GET, upstream([refused]).attempt));
    expect(p.state().circuit).toBe('OPEN');
  });

  it('treats every LocalFailure but DEADLINE as a local refusal', () => {
    for (const code of Object.values(LocalFailure)) {
      const error = new ProviderError({
        provider: 'acme',
        endpoint: 'GET /things',
        status: null,
        code: ProviderErrorCode.UNAVAILABLE,
        retryable: true,
        providerCode: code,
      });
      expect([code, isLocalRefusal(error)]).toEqual([code, code !== LocalFailure.DEADLINE]);
    }
  });

  it('fails fast as RATE_LIMITED (not retryable) when the bulkhead and its queue are full', async () => {
    const p = policy({ concurrency: 1, queue: 1 });
    const release: Array<() => void> = [];
    const slow = (): Promise<ProviderResponse<unknown>> =>
      new Promise((resolve) => release.push(() => resolve(ok)));
    const first = p.run(GET, slow);
    const second = p.run(GET, slow);
    await new Promise((resolve) => setImmediate(resolve));
    expect(p.state().bulkhead).toMatchObject({ active: 1, queued: 1 });
    const third = await providerFailure(p.run(GET, slow));
    expect(third).toMatchObject({ code: ProviderErrorCode.RATE_LIMITED, retryable: false });
    expect(third.providerCode).toBe(LocalFailure.BULKHEAD_FULL);
    release.shift()?.();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    release.shift()?.();
    await expect(second).resolves.toBe(ok);
    expect(p.state().bulkhead).toMatchObject({ active: 0, queued: 0 });
  });

  it('ends at the request deadline, aborting the attempt in flight, and sends the request id', async () => {
    const p = policy();
    const seen: Array<ProviderRequest<unknown>> = [];
    const hanging = (req: ProviderRequest<unknown>): Promise<ProviderResponse<unknown>> =>
      new Promise((_resolve, reject) => {
        seen.push(req);
        req.signal?.addEventListener('abort', () => reject(new Error('aborted')));
      });
    const started = performance.now();
    const scope = newRequestScope('req-123', Date.now() + 100);
    const error = await providerFailure(runInRequestScope(scope, () => p.run(GET, hanging)));
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ code: ProviderErrorCode.TIMEOUT, providerCode: LocalFailure.DEADLINE });
    // Not before the deadline; that it ended there is the DEADLINE code and the aborted signal.
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.signal?.aborted).toBe(true);
    expect(seen[0]?.headers?.['x-request-id']).toBe('req-123');
    expect(scope.upstreamCalls).toBe(1);
  });

  it('makes no call at all once the deadline has passed', async () => {
    const p = policy();
    const never = upstream(['ok']);
    const error = await providerFailure(
      runInRequestScope(newRequestScope('late', Date.now() - 1), () => p.run(GET, never.attempt)),
    );
    expect(error.code).toBe(ProviderErrorCode.TIMEOUT);
    expect(never.seen).toHaveLength(0);
  });
});
