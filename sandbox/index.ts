import { DEFAULT_SANDBOX_CREDENTIALS, type SandboxCredentials, type SimulatorContext } from './context.js';
import type { Dataset, DatasetSizes } from './data/dataset.js';
import { generateDataset } from './data/generate.js';
import { DEMO_SIZES } from './data/sizes.js';
import { RequestCounters } from './http/counters.js';
import { KnobBoard, type KnobsPatch } from './http/knobs.js';
import { TWINS as TWIN_NAMES, type TwinName } from './http/provider.js';
import { listenFailure, serveSimulator, type SimulatorServer } from './http/serve.js';
import { DEFAULT_HUBSPOT_ACCOUNT, type HubSpotAccountSettings } from './hubspot/index.js';
import { POSTHOG_PROJECT_TOKEN, type CapturedEvent } from './posthog/index.js';
import {
  DEFAULT_SALESFORCE_TWIN,
  type SalesforceTwinControls,
  type SalesforceTwinSettings,
} from './salesforce/index.js';
import type { AdminChargeInput } from './stripe/index.js';
import { linkedToSalesforce, type LinkedCrm } from './salesforce/links.js';
import { TWIN_SPECS } from './twin-specs.js';
import { TWINS, type TwinState } from './twins.js';
import { WebhookEmitter, type WebhookSettings } from './webhooks/emitter.js';

export type { ProviderName, TwinName } from './http/provider.js';
export type { CounterSnapshot } from './http/counters.js';
export type { Knobs, KnobsPatch } from './http/knobs.js';
export type { CapturedEvent } from './posthog/index.js';
export type { AdminChargeInput } from './stripe/index.js';
export type { SalesforceTwinControls, SalesforceTwinSettings } from './salesforce/index.js';
export type { HubSpotAccountSettings } from './hubspot/index.js';
export type { WebhookDelivery, WebhookSettings } from './webhooks/emitter.js';

export interface SandboxOptions {
  seed?: number;
  sizes?: DatasetSizes;
  /** Newest instant in the data (epoch ms); fix it for byte-identical runs across days. */
  anchor?: number;
  host?: string;
  /** 0 (the default) picks a free port. */
  ports?: Partial<Record<TwinName, number>>;
  credentials?: SandboxCredentials;
  knobs?: Partial<Record<TwinName, KnobsPatch>>;
  /** Reuse an already generated data set (tests that start several sandboxes). */
  dataset?: Dataset;
  /** Signed webhooks to the gateway when data changes through the simulators' write endpoints. */
  webhooks?: WebhookSettings;
  /** The time rate limits are counted by (default `Date.now`); tests pass one they control. */
  clock?: () => number;
  /** The Salesforce twin's connected app, session timeout, rotation and API allocation. */
  salesforce?: SalesforceTwinSettings;
  /** The HubSpot account: tier, API limit increase add-on, portal time zone (default Enterprise, none, UTC). */
  hubspot?: HubSpotAccountSettings;
  /** The CRM whose contact ids Stripe's `metadata.crm_contact_id` and PostHog's `distinct_id` hold (default hubspot). */
  crm?: LinkedCrm;
}

/** A running sandbox: four simulators on loopback, their shared knobs and counters, and the data behind them. */
export interface RunningSandbox {
  urls: Record<TwinName, string>;
  credentials: SandboxCredentials;
  /** Each twin's URL and the credentials it accepts, named as its provider's settings read them. */
  twins: Record<TwinName, { url: string; credentials: Record<string, string | number> }>;
  dataset: Dataset;
  knobs: KnobBoard;
  counters: RequestCounters;
  /**
   * Outgoing webhooks: `deliveries` records every attempt, `settled()` waits for those in flight,
   * `configure({ url, stripeSecret, hubspotClientSecret })` points later ones elsewhere.
   */
  webhooks: WebhookEmitter;
  /**
   * Points every signing twin's webhooks at `url`, each signed with its secret from `secrets` (by
   * twin name); a twin without a secret there keeps its current one.
   */
  sendWebhooksTo(url: string, secrets: Partial<Record<string, string>>): void;
  /** What Stripe's Dashboard could do: changes announced by webhook like API writes. */
  stripe: {
    /**
     * Creates a charge for a customer (`POST /__sandbox/charges` does the same), visible to list,
     * retrieve and search, and sends `charge.succeeded` or `charge.failed`. Returns the rendered
     * charge; throws on an unknown customer or a bad amount.
     */
    createCharge(input: AdminChargeInput): Record<string, unknown>;
  };
  /** The Salesforce org: its connected app's settings, and sessions tests can expire or revoke. */
  salesforce: SalesforceTwinControls & { settings: SalesforceTwinSettings };
  /** HubSpot's OAuth app: access tokens tests can expire (as 30 minutes passing would), an install they can revoke. */
  hubspot: { expireAccessTokens(): void; revokeRefreshTokens(): void };
  /** Events accepted by PostHog capture, in arrival order. */
  captured: CapturedEvent[];
  /** The project token PostHog capture accepts. */
  posthogProjectToken: string;
  stop(): Promise<void>;
}

/** Starts the HubSpot, Stripe, PostHog and Salesforce simulators over one seeded data set. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const dataset =
    options.dataset ??
    generateDataset({
      seed: options.seed ?? 42,
      sizes: options.sizes ?? DEMO_SIZES,
      anchor: options.anchor ?? Math.floor(Date.now() / 86_400_000) * 86_400_000,
    });
  const credentials = options.credentials ?? DEFAULT_SANDBOX_CREDENTIALS;
  // Faults drawn from the data set's seed: the same run meets the same faults.
  const knobs = new KnobBoard(options.knobs, options.clock, dataset.seed);
  const counters = new RequestCounters();
  const webhooks = new WebhookEmitter(options.webhooks);
  const state: TwinState = {
    captured: [],
    stripe: null,
    hubspot: null,
    salesforce: null,
    salesforceSettings: options.salesforce ?? DEFAULT_SALESFORCE_TWIN,
    hubspotSettings: options.hubspot ?? DEFAULT_HUBSPOT_ACCOUNT,
  };
  const servers: SimulatorServer[] = [];
  const urls = {} as Record<TwinName, string>;
  try {
    const linkedDataset = options.crm === 'salesforce' ? linkedToSalesforce(dataset) : dataset;
    for (const provider of TWIN_NAMES) {
      // Stripe and PostHog link to the chosen CRM's contact ids; the CRM twins serve the data set as is.
      const linked = provider === 'stripe' || provider === 'posthog' ? linkedDataset : dataset;
      const twin = TWINS[provider].start(
        { dataset: linked, credentials, webhooks, clock: knobs.clock } satisfies SimulatorContext,
        state,
      );
      const host = options.host ?? '127.0.0.1';
      const port = options.ports?.[provider] ?? 0;
      const server = await serveSimulator({
        protocol: twin.protocol,
        knobs,
        counters,
        host,
        port,
        admin: (router) => {
          router.get('/info', (_req, res) => {
            res.json({
              provider,
              seed: dataset.seed,
              sizes: dataset.sizes,
              anchor: new Date(dataset.anchor).toISOString(),
            });
          });
          // Every attempt of every outgoing webhook (all providers), for checking a gateway by hand.
          router.get('/webhooks/deliveries', (_req, res) => {
            res.json({ deliveries: webhooks.deliveries });
          });
          twin.admin?.(router);
        },
      }).catch((error: unknown) => {
        throw listenFailure(error, `SANDBOX_${provider.toUpperCase()}_PORT`, host, port);
      });
      servers.push(server);
      urls[provider] = server.url;
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    throw error;
  }
  return {
    urls,
    credentials,
    twins: Object.fromEntries(
      TWIN_NAMES.map((p) => [p, { url: urls[p], credentials: TWINS[p].credentials(credentials, state) }]),
    ) as RunningSandbox['twins'],
    dataset,
    knobs,
    counters,
    webhooks,
    sendWebhooksTo: (url, secrets) => {
      const settings: Partial<WebhookSettings> = { url };
      for (const p of TWIN_NAMES) {
        const key = TWIN_SPECS[p].webhookSecret?.setting;
        const secret = secrets[p];
        if (key && secret !== undefined) settings[key] = secret;
      }
      webhooks.configure(settings);
    },
    stripe: {
      createCharge: (input) => {
        if (!state.stripe) throw new Error('the Stripe simulator is not running');
        return state.stripe.createCharge(input);
      },
    },
    hubspot: {
      expireAccessTokens: () => state.hubspot?.expireAccessTokens(),
      revokeRefreshTokens: () => state.hubspot?.revokeRefreshTokens(),
    },
    salesforce: {
      ...(state.salesforce as NonNullable<TwinState['salesforce']>).controls,
      settings: state.salesforceSettings,
    },
    captured: state.captured,
    posthogProjectToken: POSTHOG_PROJECT_TOKEN,
    stop: async () => {
      await Promise.all(servers.map((s) => s.close()));
      await webhooks.settled();
    },
  };
}
