import { createHubSpotCrm } from '../../datasources/hubspot/crm.js';
import { createPostHogAnalytics } from '../../datasources/posthog/analytics.js';
import { createStripePayments } from '../../datasources/stripe/payments.js';
import type { UpstreamCall } from '../../datasources/transport/http-client.js';
import type { PolicyEvents, ProviderPolicies } from '../../datasources/transport/policy.js';
import type { RunningSandbox } from '../../sandbox/index.js';
import { DEFAULT_STRIPE_API_VERSION, type Config, type LiveProviders, type ProviderMode } from '../config.js';
import type { LoaderProviders } from '../loaders/create-loaders.js';
import type { QuotaStore } from '../../datasources/transport/rate-limiter.js';
import { createProviderPolicies } from './policies.js';

export interface ConnectedProviders {
  providers: LoaderProviders;
  mode: ProviderMode;
  /** The in-process sandbox in sandbox mode, for its URLs, keys, knobs and counters. */
  sandbox: RunningSandbox | null;
  /** The credential each provider is called with: only ever hashed (cache keys), never logged. */
  credentials: Record<keyof LoaderProviders, string>;
  /** Retries, deadline, circuit breaker and bulkhead per provider, and their state. */
  policies: ProviderPolicies;
  close(): Promise<void>;
}

function credentialsOf(live: LiveProviders): Record<keyof LoaderProviders, string> {
  return {
    crm: `${live.hubspot.baseUrl} ${live.hubspot.accessToken}`,
    payments: `${live.stripe.baseUrl} ${live.stripe.secretKey}`,
    analytics: `${live.posthog.baseUrl} ${live.posthog.projectId} ${live.posthog.apiKey}`,
  };
}

function adapters(
  live: LiveProviders,
  timeoutMs: number,
  onCall: (call: UpstreamCall) => void,
  policies: ProviderPolicies,
) {
  const crm = createHubSpotCrm({
    baseUrl: live.hubspot.baseUrl,
    accessToken: live.hubspot.accessToken,
    portalId: live.hubspot.portalId,
    timeoutMs,
    onCall,
    policy: policies.policy('hubspot'),
  });
  const payments = createStripePayments({
    baseUrl: live.stripe.baseUrl,
    secretKey: live.stripe.secretKey,
    apiVersion: live.stripe.apiVersion,
    timeoutMs,
    onCall,
    policy: policies.policy('stripe'),
  });
  const analytics = createPostHogAnalytics({
    baseUrl: live.posthog.baseUrl,
    apiKey: live.posthog.apiKey,
    projectId: live.posthog.projectId,
    capture: live.posthog.capture,
    timeoutMs,
    onCall,
    policy: policies.policy('posthog'),
  });
  return {
    providers: { crm, payments, analytics },
    close: async () => {
      await Promise.all([crm.close(), payments.close(), analytics.close()]);
    },
  };
}

/**
 * The three providers: the real ones when config has their credentials, else the sandbox,
 * started in this process, with the same adapters pointed at it (so sandbox mode exercises the
 * real adapter code, over real HTTP).
 */
export async function connectProviders(
  config: Config,
  onCall: (call: UpstreamCall) => void,
  env: NodeJS.ProcessEnv = process.env,
  policyEvents?: PolicyEvents,
  quotaStore?: QuotaStore,
): Promise<ConnectedProviders> {
  // Quotas are counted per provider × credential, so the policies are made once the credentials are known.
  const policiesFor = (credentials: Record<keyof LoaderProviders, string>) =>
    createProviderPolicies(
      config.resilience,
      policyEvents,
      quotaStore && {
        settings: config.providerQuotas,
        store: quotaStore,
        credentials: {
          hubspot: credentials.crm,
          stripe: credentials.payments,
          posthog: credentials.analytics,
        },
      },
    );
  if (config.live) {
    const credentials = credentialsOf(config.live);
    const policies = policiesFor(credentials);
    const live = adapters(config.live, config.providerTimeoutMs, onCall, policies);
    return { ...live, mode: 'live', sandbox: null, credentials, policies };
  }
  // Imported only here: live mode loads no simulator code and no seeded data generator.
  const [{ readSandboxConfig }, { startSandbox }] = await Promise.all([
    import('../../sandbox/config.js'),
    import('../../sandbox/index.js'),
  ]);
  const sandbox = await startSandbox(readSandboxConfig(env, 0));
  const { urls, credentials } = sandbox;
  const endpoints: LiveProviders = {
    hubspot: { baseUrl: urls.hubspot, accessToken: credentials.hubspotAccessToken, portalId: null },
    stripe: {
      baseUrl: urls.stripe,
      secretKey: credentials.stripeSecretKey,
      apiVersion: DEFAULT_STRIPE_API_VERSION,
    },
    posthog: {
      baseUrl: urls.posthog,
      apiKey: credentials.posthogApiKey,
      projectId: credentials.posthogProjectId,
      // The sandbox serves capture on the same host as its API.
      capture: { baseUrl: urls.posthog, projectToken: sandbox.posthogProjectToken },
    },
  };
  const sandboxCredentials = credentialsOf(endpoints);
  const policies = policiesFor(sandboxCredentials);
  const live = adapters(endpoints, config.providerTimeoutMs, onCall, policies);
  return {
    providers: live.providers,
    mode: 'sandbox',
    sandbox,
    credentials: sandboxCredentials,
    policies,
    close: async () => {
      await live.close();
      await sandbox.stop();
    },
  };
}
