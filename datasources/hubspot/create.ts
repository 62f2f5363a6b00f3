import type { ProviderDeps } from '../provider-descriptor.js';
import { refreshingBearer } from '../transport/oauth/bearer.js';
import { createOAuthTokenSource } from '../transport/oauth/create.js';
import { createHubSpotCrm, type HubSpotCrm } from './crm.js';
import { PROVIDER_NAME } from './mapping.js';
import { DEFAULT_ACCESS_TOKEN_TTL_MS, TOKEN_PATH, type HubSpotSettings } from './settings.js';

/**
 * The adapter for the settings' credential. A private app sends its static token. An OAuth app's
 * 30-minute access tokens come from the shared token source (refreshed ahead of expiry, once across
 * replicas) and a 401 renews the token and tries once more; `close()` releases the token endpoint too.
 */
export function createHubSpot(settings: HubSpotSettings, deps: ProviderDeps): HubSpotCrm {
  const common = {
    baseUrl: settings.baseUrl,
    portalId: settings.portalId,
    writeKeyProperty: settings.writeKeyProperty,
    timeoutMs: deps.timeoutMs,
    onCall: deps.onCall,
  };
  const { auth } = settings;
  if (auth.kind === 'private-app') {
    return createHubSpotCrm({ ...common, accessToken: auth.accessToken, policy: deps.policy });
  }
  const { tokens, close: closeTokens } = createOAuthTokenSource(
    {
      provider: PROVIDER_NAME,
      tokenUrl: `${settings.baseUrl}${TOKEN_PATH}`,
      clientId: auth.clientId,
      clientSecret: auth.clientSecret,
      refreshToken: auth.refreshToken,
      defaultLifetimeMs: DEFAULT_ACCESS_TOKEN_TTL_MS,
    },
    deps,
  );
  const crm = createHubSpotCrm({
    ...common,
    accessToken: null,
    policy: refreshingBearer(tokens, deps.policy),
  });
  const close = crm.close.bind(crm);
  crm.close = async () => {
    await Promise.all([close(), closeTokens()]);
  };
  return crm;
}
