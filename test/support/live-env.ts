import type { RunningSandbox } from '../../sandbox/index.js';

/** The variables that make Concord live (HubSpot, Stripe, PostHog), pointed at the sandbox's twins. */
export function liveEnv({ credentials, urls }: RunningSandbox): Record<string, string> {
  return {
    HUBSPOT_ACCESS_TOKEN: credentials.hubspotAccessToken,
    HUBSPOT_BASE_URL: urls.hubspot,
    STRIPE_SECRET_KEY: credentials.stripeSecretKey,
    STRIPE_BASE_URL: urls.stripe,
    POSTHOG_API_KEY: credentials.posthogApiKey,
    POSTHOG_PROJECT_ID: String(credentials.posthogProjectId),
    POSTHOG_HOST: urls.posthog,
  };
}
