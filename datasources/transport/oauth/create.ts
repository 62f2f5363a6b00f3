import { randomBytes } from 'node:crypto';
import type { UpstreamCall } from '../http-client.js';
import type { OAuthDeps } from './deps.js';
import { Sealer } from './sealed.js';
import { TokenEndpoint } from './token-endpoint.js';
import { OAuthTokenSource } from './token-source.js';
import { MemoryTokenStore } from './token-store.js';

export interface OAuthCredentialSettings {
  provider: string;
  /** The provider's token endpoint (Salesforce `{login}/services/oauth2/token`, HubSpot `https://api.hubapi.com/oauth/v1/token`). */
  tokenUrl: string;
  clientId: string;
  clientSecret: string | null;
  refreshToken: string;
  /** When the answer has no `expires_in`. */
  defaultLifetimeMs: number;
}

/**
 * A token source and its endpoint for one provider credential, with the state `src/` injected
 * (shared through Redis), or, without it, state of this process alone.
 */
export function createOAuthTokenSource(
  settings: OAuthCredentialSettings,
  deps: { timeoutMs: number; onCall?: (call: UpstreamCall) => void; oauth?: OAuthDeps | undefined },
): { tokens: OAuthTokenSource; close(): Promise<void> } {
  const oauth = deps.oauth ?? { store: new MemoryTokenStore(), sealer: new Sealer([randomBytes(32)]) };
  const endpoint = new TokenEndpoint(
    settings.provider,
    settings.tokenUrl,
    { clientId: settings.clientId, clientSecret: settings.clientSecret },
    {
      // A token call bounded well inside the refresh lock's lease, retries included.
      timeoutMs: Math.min(deps.timeoutMs, 5_000),
      ...(deps.onCall ? { onCall: deps.onCall } : {}),
    },
  );
  const tokens = new OAuthTokenSource({
    provider: settings.provider,
    endpoint,
    clientId: settings.clientId,
    refreshToken: settings.refreshToken,
    store: oauth.store,
    sealer: oauth.sealer,
    defaultLifetimeMs: settings.defaultLifetimeMs,
    ...(oauth.onRefresh ? { onRefresh: oauth.onRefresh } : {}),
    ...(oauth.onWarning ? { onWarning: oauth.onWarning } : {}),
  });
  oauth.watch?.(tokens);
  return { tokens, close: () => endpoint.close() };
}
