import type { Router } from 'express';
import type { SandboxCredentials, SimulatorContext } from './context.js';
import type { ProviderProtocol, TwinName } from './http/provider.js';
import {
  DEFAULT_HUBSPOT_APP,
  createHubSpotTwin,
  type HubSpotAccountSettings,
  type HubSpotOAuth,
} from './hubspot/index.js';
import {
  createPostHogProtocol,
  FeatureFlags,
  POSTHOG_PROJECT_TOKEN,
  posthogAdminRoutes,
  type CapturedEvent,
} from './posthog/index.js';
import {
  createSalesforceTwin,
  type SalesforceTwin,
  type SalesforceTwinSettings,
} from './salesforce/index.js';
import { createStripeSimulator, type StripeSimulator } from './stripe/index.js';

/** What twins share in one running sandbox besides the data set (handles a test or admin route uses). */
export interface TwinState {
  /** Events accepted by PostHog capture, in arrival order. */
  captured: CapturedEvent[];
  /** The Stripe simulator, for Dashboard-like admin actions. */
  stripe: StripeSimulator | null;
  /** The HubSpot OAuth app's server, for access tokens tests expire or an install they revoke. */
  hubspot: HubSpotOAuth | null;
  /** The Salesforce org, for sessions tests expire or revoke; started with `salesforceSettings`. */
  salesforce: SalesforceTwin | null;
  salesforceSettings: SalesforceTwinSettings;
  /** The HubSpot account the twin plays (tier, API limit increase, time zone of the daily reset). */
  hubspotSettings: HubSpotAccountSettings;
}

/** One twin: how it starts, and what `src/` needs to point its provider's adapter at it. */
export interface TwinDefinition {
  name: TwinName;
  /** The simulator's protocol over the shared data set, and any `/__sandbox/` admin routes of its own. */
  start(
    ctx: SimulatorContext,
    state: TwinState,
  ): { protocol: ProviderProtocol; admin?: (router: Router) => void };
  /** The development credentials it accepts, named as its provider descriptor's `twin.settings` reads them. */
  credentials(credentials: SandboxCredentials, state: TwinState): Record<string, string | number>;
}

/**
 * The sandbox's registry of twins, one per provider (the sandbox side of each provider descriptor's
 * `twin.name`): adding a provider's twin is its folder and one entry here.
 */
export const TWINS: Record<TwinName, TwinDefinition> = {
  hubspot: {
    name: 'hubspot',
    start: (ctx, state) => {
      const twin = createHubSpotTwin(ctx, DEFAULT_HUBSPOT_APP, state.hubspotSettings);
      state.hubspot = twin.oauth;
      return { protocol: twin.protocol };
    },
    // The private-app token, and the OAuth app whose refresh token the twin's token endpoint accepts.
    credentials: (c) => ({
      accessToken: c.hubspotAccessToken,
      clientId: DEFAULT_HUBSPOT_APP.clientId,
      clientSecret: DEFAULT_HUBSPOT_APP.clientSecret,
      refreshToken: DEFAULT_HUBSPOT_APP.refreshToken,
    }),
  },
  stripe: {
    name: 'stripe',
    start: (ctx, state) => {
      const simulator = createStripeSimulator(ctx);
      state.stripe = simulator;
      return { protocol: simulator.protocol, admin: (router) => simulator.admin(router) };
    },
    credentials: (c) => ({ secretKey: c.stripeSecretKey }),
  },
  posthog: {
    name: 'posthog',
    start: (ctx, state) => {
      // The project's feature flags, defined through /__sandbox/feature-flags (none at start).
      const flags = new FeatureFlags();
      return {
        protocol: createPostHogProtocol(ctx, state.captured, flags),
        admin: posthogAdminRoutes(flags),
      };
    },
    credentials: (c) => ({
      apiKey: c.posthogApiKey,
      projectId: c.posthogProjectId,
      projectToken: POSTHOG_PROJECT_TOKEN,
    }),
  },
  salesforce: {
    name: 'salesforce',
    start: (ctx, state) => {
      const twin = createSalesforceTwin(ctx, state.salesforceSettings);
      state.salesforce = twin;
      return { protocol: twin.protocol, admin: (router) => twin.admin(router) };
    },
    // The connected app and refresh token the twin's token endpoint accepts.
    credentials: (_c, state) => ({
      clientId: state.salesforceSettings.clientId,
      clientSecret: state.salesforceSettings.clientSecret,
      refreshToken: state.salesforceSettings.refreshToken,
    }),
  },
};
