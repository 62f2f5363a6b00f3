import type { Sealer } from './sealed.js';
import type { CredentialHealth, RefreshEvent } from './token-source.js';
import type { TokenStore } from './token-store.js';

/** What `src/` gives a provider that refreshes OAuth tokens (see ProviderDeps.oauth). */
export interface OAuthDeps {
  /** Shared by every replica (Redis), or one process's memory. */
  store: TokenStore;
  /** Seals tokens before they reach the store (OAUTH_TOKEN_KEYS). */
  sealer: Sealer;
  /** Registers the provider's credential for readiness (`/readyz` names a provider whose grant was refused). */
  watch?: (credential: { health(): CredentialHealth }) => void;
  onRefresh?: (event: RefreshEvent) => void;
  onWarning?: (message: string, error: unknown) => void;
}
