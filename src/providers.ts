import { createHubSpotCrm } from '../datasources/hubspot/index.js';
import { createPostHogAnalytics } from '../datasources/posthog/index.js';
import { createStripePayments } from '../datasources/stripe/index.js';
import type { UpstreamCall } from '../datasources/transport/http-client.js';
import { readSandboxConfig } from '../sandbox/config.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import type { Config, LiveProviders, ProviderMode } from './config.js';
import type { LoaderProviders } from './loaders.js';

/** The Stripe API version the sandbox speaks; the live one comes from config. */
const SANDBOX_STRIPE_API_VERSION = '2026-10-28.endive';

export interface ConnectedProviders {
  providers: LoaderProviders;
  mode: ProviderMode;
  /** The in-process sandbox in sandbox mode, for its URLs, keys, knobs and counters. */
  sandbox: RunningSandbox | null;
  close(): Promise<void>;
}

function adapters(live: LiveProviders, timeoutMs: number, onCall: (call: UpstreamCall) => void) {
  const crm = createHubSpotCrm({
    baseUrl: live.hubspot.baseUrl,
    accessToken: live.hubspot.accessToken,
    portalId: live.hubspot.portalId,
    timeoutMs,
    onCall,
  });
  const payments = createStripePayments({
    baseUrl: live.stripe.baseUrl,
    secretKey: live.stripe.secretKey,
    apiVersion: live.stripe.apiVersion,
    timeoutMs,
    onCall,
  });
  const analytics = createPostHogAnalytics({
    baseUrl: live.posthog.baseUrl,
    apiKey: live.posthog.apiKey,
    projectId: live.posthog.projectId,
    timeoutMs,
    onCall,
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
): Promise<ConnectedProviders> {
  if (config.live) {
    const live = adapters(config.live, config.providerTimeoutMs, onCall);
    return { ...live, mode: 'live', sandbox: null };
  }
  const sandbox = await startSandbox(readSandboxConfig(env, 0));
  const { urls, credentials } = sandbox;
  const live = adapters(
    {
      hubspot: { baseUrl: urls.hubspot, accessToken: credentials.hubspotAccessToken, portalId: null },
      stripe: {
        baseUrl: urls.stripe,
        secretKey: credentials.stripeSecretKey,
        apiVersion: SANDBOX_STRIPE_API_VERSION,
      },
      posthog: {
        baseUrl: urls.posthog,
        apiKey: credentials.posthogApiKey,
        projectId: credentials.posthogProjectId,
      },
    },
    config.providerTimeoutMs,
    onCall,
  );
  return {
    providers: live.providers,
    mode: 'sandbox',
    sandbox,
    close: async () => {
      await live.close();
      await sandbox.stop();
    },
  };
}
