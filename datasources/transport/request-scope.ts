import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the datasources may know about the client request they serve, without knowing GraphQL:
 * set once per HTTP request by the gateway and read by the transport and the cache.
 */
export interface RequestScope {
  /** Sent to providers (x-request-id) so a provider's logs can be matched to ours. */
  requestId: string;
  /** Epoch ms by which every upstream call for this request must be over (the overall deadline). */
  deadline: number | null;
  /** Upstream calls made for this request, for the per-operation log line. */
  upstreamCalls: number;
  /** Cached values served past their freshness because a provider failed, by provider. */
  stale: Map<string, number>;
  /**
   * Who is asking (the JWT subject or API key name): each client waits in its own lane for a
   * provider's quota. Unset outside a client's request and before authentication.
   */
  clientId?: string;
  /**
   * Aborted once the client's request is over (answered or gone): its calls still waiting for a
   * provider's quota leave the queue instead of spending the quota on an answer nobody reads.
   */
  ended?: AbortSignal;
  /** The most upstream attempts this request may make, and how many were let through so far. */
  upstreamBudget?: { limit: number; admitted: number };
  /** Trace context (W3C `traceparent`, `tracestate`) sent to providers with every call; set when tracing. */
  traceHeaders?: Record<string, string>;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` with `scope` visible to every upstream call it makes, however deep. */
export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The scope of the request being served, or undefined outside one (start-up, background work). */
export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}

export function newRequestScope(
  requestId: string,
  deadline: number | null,
  upstreamBudget?: number,
): RequestScope {
  return {
    requestId,
    deadline,
    upstreamCalls: 0,
    stale: new Map(),
    ...(upstreamBudget === undefined ? {} : { upstreamBudget: { limit: upstreamBudget, admitted: 0 } }),
  };
}
