import { DEFAULT_SANDBOX_CREDENTIALS, type SandboxCredentials, type SimulatorContext } from './context.js';
import type { Dataset, DatasetSizes } from './data/dataset.js';
import { generateDataset } from './data/generate.js';
import { DEMO_SIZES } from './data/sizes.js';
import { RequestCounters } from './http/counters.js';
import { KnobBoard, type KnobsPatch } from './http/knobs.js';
import { TWINS, type ProviderProtocol, type TwinName } from './http/provider.js';
import { listenFailure, serveSimulator, type SimulatorServer } from './http/serve.js';
import { createHubSpotProtocol } from './hubspot/index.js';
import { createPostHogProtocol, POSTHOG_PROJECT_TOKEN, type CapturedEvent } from './posthog/index.js';
import {
  DEFAULT_SALESFORCE_TWIN,
  createSalesforceTwin,
  type SalesforceTwin,
  type SalesforceTwinControls,
  type SalesforceTwinSettings,
} from './salesforce/index.js';
import { linkedToSalesforce, type LinkedCrm } from './salesforce/links.js';
import { createStripeSimulator, type AdminChargeInput, type StripeSimulator } from './stripe/index.js';
import { WebhookEmitter, type WebhookSettings } from './webhooks/emitter.js';

export type { ProviderName, TwinName } from './http/provider.js';
export type { CounterSnapshot } from './http/counters.js';
export type { Knobs, KnobsPatch } from './http/knobs.js';
export type { CapturedEvent } from './posthog/index.js';
export type { AdminChargeInput } from './stripe/index.js';
export type { SalesforceTwinControls, SalesforceTwinSettings } from './salesforce/index.js';
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
  /** The CRM whose contact ids Stripe's `metadata.crm_contact_id` and PostHog's `distinct_id` hold (default hubspot). */
  crm?: LinkedCrm;
}

/** A running sandbox: four simulators on loopback, their shared knobs and counters, and the data behind them. */
export interface RunningSandbox {
  urls: Record<TwinName, string>;
  credentials: SandboxCredentials;
  dataset: Dataset;
  knobs: KnobBoard;
  counters: RequestCounters;
  /**
   * Outgoing webhooks: `deliveries` records every attempt, `settled()` waits for those in flight,
   * `configure({ url, stripeSecret, hubspotClientSecret })` points later ones elsewhere.
   */
  webhooks: WebhookEmitter;
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
  const knobs = new KnobBoard(options.knobs, options.clock);
  const counters = new RequestCounters();
  const webhooks = new WebhookEmitter(options.webhooks);
  const captured: CapturedEvent[] = [];
  let stripe: StripeSimulator | undefined;
  let salesforce: SalesforceTwin | undefined;
  const salesforceSettings = options.salesforce ?? DEFAULT_SALESFORCE_TWIN;
  const linkedDataset = options.crm === 'salesforce' ? linkedToSalesforce(dataset) : dataset;
  const factories: Record<TwinName, (ctx: SimulatorContext) => ProviderProtocol> = {
    hubspot: createHubSpotProtocol,
    stripe: (ctx) => {
      stripe = createStripeSimulator(ctx);
      return stripe.protocol;
    },
    posthog: (ctx) => createPostHogProtocol(ctx, captured),
    salesforce: (ctx) => {
      salesforce = createSalesforceTwin(ctx, salesforceSettings);
      return salesforce.protocol;
    },
  };
  const servers: SimulatorServer[] = [];
  const urls = {} as Record<TwinName, string>;
  try {
    for (const provider of TWINS) {
      // Stripe and PostHog link to the chosen CRM's contact ids; the CRM twins serve the data set as is.
      const linked = provider === 'stripe' || provider === 'posthog' ? linkedDataset : dataset;
      const protocol = factories[provider]({ dataset: linked, credentials, webhooks, clock: knobs.clock });
      const host = options.host ?? '127.0.0.1';
      const port = options.ports?.[provider] ?? 0;
      const server = await serveSimulator({
        protocol,
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
          if (provider === 'stripe') stripe?.admin(router);
          if (provider === 'salesforce') salesforce?.admin(router);
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
    dataset,
    knobs,
    counters,
    webhooks,
    stripe: {
      createCharge: (input) => {
        if (!stripe) throw new Error('the Stripe simulator is not running');
        return stripe.createCharge(input);
      },
    },
    salesforce: { ...(salesforce as SalesforceTwin).controls, settings: salesforceSettings },
    captured,
    posthogProjectToken: POSTHOG_PROJECT_TOKEN,
    stop: async () => {
      await Promise.all(servers.map((s) => s.close()));
      await webhooks.settled();
    },
  };
}
