export { Sealer, parseSealKey } from './sealed.js';
export { MemoryTokenStore, type TokenStore } from './token-store.js';
export { TokenEndpoint, classifyTokenError, type OAuthClientCredentials } from './token-endpoint.js';
export {
  OAuthTokenSource,
  type AccessToken,
  type CredentialHealth,
  type CredentialState,
  type OAuthTokenSourceOptions,
  type RefreshEvent,
} from './token-source.js';
export type { OAuthDeps } from './deps.js';
export { refreshingBearer, type BearerTokens } from './bearer.js';
export { createOAuthTokenSource, type OAuthCredentialSettings } from './create.js';
