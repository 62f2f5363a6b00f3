import { ProviderError } from './errors.js';
import type { ProviderResponse } from './http-client.js';
import { upstreamBudgetError } from './policy-errors.js';
import { SYSTEM_LANE, type ProviderQuota } from './provider-quota.js';
import { currentRequestScope } from './request-scope.js';

/**
 * The policy stage in front of each attempt (retries included): the client request's upstream
 * budget first (no quota is spent on a call that may not be made), then room in the provider's
 * quota in the client's lane; the answer's rate-limit headers and 429s feed the quota back.
 */
export async function throughQuota<T>(
  quota: ProviderQuota | undefined,
  provider: string,
  endpoint: string,
  signal: AbortSignal | undefined,
  attempt: () => Promise<ProviderResponse<T>>,
): Promise<ProviderResponse<T>> {
  const scope = currentRequestScope();
  const budget = scope?.upstreamBudget;
  if (budget) {
    if (budget.admitted >= budget.limit) throw upstreamBudgetError(provider, endpoint, budget.limit);
    budget.admitted += 1;
  }
  if (!quota) return attempt();
  const lane = scope?.clientId ?? SYSTEM_LANE;
  const ended = scope?.ended;
  const waitSignal = ended && signal ? AbortSignal.any([signal, ended]) : (ended ?? signal);
  const release = await quota.acquire(endpoint, lane, scope?.deadline ?? null, waitSignal);
  try {
    const response = await attempt();
    quota.observe(endpoint, response.headers);
    return response;
  } catch (error) {
    if (error instanceof ProviderError && error.status === 429)
      quota.rateLimitedBy(endpoint, error.retryAfterMs);
    throw error;
  } finally {
    release();
  }
}
