import type { ProviderDeps } from '../provider-descriptor.js';
import { ProviderHttpClient } from '../transport/http-client.js';
import { createOAuthTokenSource } from '../transport/oauth/create.js';
import type { OAuthTokenSource } from '../transport/oauth/token-source.js';
import { SalesforceCrm } from './crm.js';
import { classifySalesforceError } from './errors.js';
import { PROVIDER_NAME } from './mapping.js';
import { parseLimitInfo } from './quota.js';
import type { SalesforceSettings } from './settings.js';
import { SalesforceSession, type SessionTokens } from './session.js';

/** The OAuth token endpoint under the login host (FACTS §4). */
export const TOKEN_PATH = '/services/oauth2/token';

/** The OAuth token source for the settings' connected app and refresh token. */
export function salesforceTokens(
  settings: SalesforceSettings,
  deps: Pick<ProviderDeps, 'timeoutMs' | 'onCall' | 'oauth'>,
): { tokens: OAuthTokenSource; close(): Promise<void> } {
  return createOAuthTokenSource(
    {
      provider: PROVIDER_NAME,
      tokenUrl: `${settings.loginUrl}${TOKEN_PATH}`,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      refreshToken: settings.refreshToken,
      defaultLifetimeMs: settings.sessionTtlMs,
    },
    deps,
  );
}

/** A session over the transport: one keep-alive pool per instance origin, each with the provider's policy. */
export function salesforceSession(
  settings: Pick<SalesforceSettings, 'instanceUrl'>,
  tokens: SessionTokens,
  deps: Pick<ProviderDeps, 'timeoutMs' | 'onCall'> & { policy?: ProviderDeps['policy'] | undefined },
): SalesforceSession {
  return new SalesforceSession({
    tokens,
    instanceUrl: settings.instanceUrl,
    httpFor: (origin) =>
      new ProviderHttpClient({
        provider: PROVIDER_NAME,
        baseUrl: origin,
        // The session sets the bearer per request: the token it holds may be renewed mid-call.
        authHeaders: () => ({}),
        classifyError: classifySalesforceError,
        timeoutMs: deps.timeoutMs,
        onCall: deps.onCall,
        // The org's rolling 24-hour API usage rides on every answer: reported with each call (a metric).
        readUsage: (headers) => parseLimitInfo(headers['sforce-limit-info']),
        ...(deps.policy ? { policy: deps.policy } : {}),
      }),
  });
}

/** The adapter with its OAuth token source, session and pools; `close()` releases them all. */
export function createSalesforceCrm(settings: SalesforceSettings, deps: ProviderDeps): SalesforceCrm {
  const { tokens, close: closeTokens } = salesforceTokens(settings, deps);
  const session = salesforceSession(settings, tokens, deps);
  const crm = new SalesforceCrm({
    session,
    apiVersion: settings.apiVersion,
    multiCurrency: settings.multiCurrency,
    queryBatchSize: settings.queryBatchSize,
    writeKeyField: settings.writeKeyField,
    ...(deps.policy.retryLimit === undefined ? {} : { createRetries: deps.policy.retryLimit }),
    mapping: { instanceUrl: settings.instanceUrl, defaultCurrency: settings.defaultCurrency },
  });
  const close = crm.close.bind(crm);
  crm.close = async () => {
    await Promise.all([close(), closeTokens()]);
  };
  return crm;
}
