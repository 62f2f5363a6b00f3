import type { ProviderDeps, ProviderDescriptor } from '../provider-descriptor.js';
import { ProviderHttpClient } from '../transport/http-client.js';
import { createOAuthTokenSource } from '../transport/oauth/create.js';
import type { OAuthTokenSource } from '../transport/oauth/token-source.js';
import { SalesforceChangePoller } from './changes.js';
import { SALESFORCE_LIMITS, SalesforceClient } from './client.js';
import { SalesforceCrm } from './crm.js';
import { classifySalesforceError } from './errors.js';
import { PACING_WINDOW_MS, salesforceQuotaHint } from './limit-info.js';
import { PROVIDER_NAME } from './mapping.js';
import { SALESFORCE_SETTINGS, salesforceSettings, type SalesforceSettings } from './settings.js';
import { SalesforceSession, type SessionTokens } from './session.js';
import { IN_LIST_IDS } from './soql.js';

export { SalesforceCrm } from './crm.js';
export { SalesforceChangePoller } from './changes.js';
export { SALESFORCE_SETTINGS, salesforceSettings, type SalesforceSettings } from './settings.js';
export { fixedToken, type SessionTokens } from './session.js';

/** The OAuth token endpoint under the login host (FACTS §4). */
export const TOKEN_PATH = '/services/oauth2/token';

/**
 * An hour's share of the org's rolling 24-hour API allocation; editions differ (Developer 15,000
 * a day; Enterprise 100,000 plus per-licence add-ons), so the quota adopts what Sforce-Limit-Info
 * says on every answer (limit-info.ts).
 */
export const DEFAULT_SALESFORCE_QUOTA = [{ limit: 625, windowMs: PACING_WINDOW_MS }] as const;

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
    mapping: { instanceUrl: settings.instanceUrl, defaultCurrency: settings.defaultCurrency },
  });
  const close = crm.close.bind(crm);
  crm.close = async () => {
    await Promise.all([close(), closeTokens()]);
  };
  return crm;
}

/** Salesforce as a provider module (see provider-descriptor.ts). */
export const salesforceDescriptor: ProviderDescriptor<'CRM', SalesforceSettings> = {
  name: PROVIDER_NAME,
  title: 'Salesforce',
  domain: 'CRM',
  settings: SALESFORCE_SETTINGS,
  create: createSalesforceCrm,
  limits: {
    batchRead: SALESFORCE_LIMITS.retrieveIds,
    // Parent ids per relationship query (an `IN` list that keeps the query URI short).
    associations: IN_LIST_IDS,
  },
  capabilities: { backwardPaging: false, batchRead: true, totals: false },
  // No per-second limit, but 25 concurrent long-running requests per org (FACTS §4).
  transport: { concurrency: 8, queue: 200 },
  quota: {
    defaults: { SALESFORCE_QUOTA: DEFAULT_SALESFORCE_QUOTA },
    plan: (limits) => {
      const api = (limits.SALESFORCE_QUOTA ?? DEFAULT_SALESFORCE_QUOTA).map((l, i) => ({
        name: `api${i}`,
        ...l,
      }));
      return {
        windows: api,
        classes: [{ name: 'api', windows: api.map((w) => w.name), adapts: true }],
        readHint: salesforceQuotaHint,
      };
    },
  },
  changes: {
    kind: 'poll',
    intervalMs: salesforceSettings({}).pollIntervalMs,
    create: (settings, deps) => {
      const { tokens, close: closeTokens } = salesforceTokens(settings, deps);
      const session = salesforceSession(settings, tokens, deps);
      const poller = new SalesforceChangePoller(new SalesforceClient(session, settings.apiVersion));
      return {
        poll: (watermark) => poller.poll(watermark),
        close: async () => {
          await Promise.all([session.close(), closeTokens()]);
        },
      };
    },
  },
  twin: {
    name: 'salesforce',
    settings: (twin) =>
      salesforceSettings({
        SALESFORCE_LOGIN_URL: twin.url,
        SALESFORCE_INSTANCE_URL: twin.url,
        SALESFORCE_CLIENT_ID: String(twin.credentials.clientId ?? ''),
        SALESFORCE_CLIENT_SECRET: String(twin.credentials.clientSecret ?? ''),
        SALESFORCE_REFRESH_TOKEN: String(twin.credentials.refreshToken ?? ''),
      }),
  },
};
