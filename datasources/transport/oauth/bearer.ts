import { ProviderError } from '../errors.js';
import type { ProviderRequest, ProviderResponse, RequestPolicy } from '../http-client.js';
import type { AccessToken } from './token-source.js';

/** What the bearer needs of a token source. */
export interface BearerTokens {
  current(): Promise<AccessToken>;
  renew(rejected: string): Promise<AccessToken>;
}

function withBearer<T>(req: ProviderRequest<T>, token: string): ProviderRequest<T> {
  return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } };
}

/**
 * OAuth bearer auth for a provider on one fixed origin (HubSpot OAuth apps): each attempt carries
 * the current access token, and a 401 renews it (once for every concurrent caller, see
 * OAuthTokenSource) and tries the attempt once more. Wraps the provider's policy, so retries,
 * deadline and circuit breaker stay as they are; pair it with `authHeaders: () => ({})`.
 */
export function refreshingBearer(tokens: BearerTokens, inner?: RequestPolicy): RequestPolicy {
  const once = async <T>(
    req: ProviderRequest<T>,
    attempt: (req: ProviderRequest<T>) => Promise<ProviderResponse<T>>,
  ): Promise<ProviderResponse<T>> => {
    const sent = (await tokens.current()).value;
    try {
      return await attempt(withBearer(req, sent));
    } catch (error) {
      if (!(error instanceof ProviderError) || error.status !== 401) throw error;
      const renewed = await tokens.renew(sent);
      if (renewed.value === sent) throw error;
      return attempt(withBearer(req, renewed.value));
    }
  };
  return {
    run: (req, attempt) => (inner ? inner.run(req, (r) => once(r, attempt)) : once(req, attempt)),
  };
}
