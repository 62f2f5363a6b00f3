import type { Dataset } from './data/dataset.js';
import type { WebhookEmitter } from './webhooks/emitter.js';

/** The keys each simulator accepts; anything else is that provider's 401. */
export interface SandboxCredentials {
  hubspotAccessToken: string;
  stripeSecretKey: string;
  posthogApiKey: string;
  posthogProjectId: number;
}

/** What a provider simulator is built from. */
export interface SimulatorContext {
  dataset: Dataset;
  credentials: SandboxCredentials;
  /** Where data changes are announced as signed webhooks; absent or disabled, nothing is sent. */
  webhooks?: WebhookEmitter;
  /** The time simulators count by (sessions, windows); `Date.now` unless a test controls it. */
  clock?: () => number;
}

/** Fixed development keys: the sandbox is loopback-only and its data is fake, so these are not secrets. */
export const DEFAULT_SANDBOX_CREDENTIALS: SandboxCredentials = {
  hubspotAccessToken: 'pat-na1-00000000-0000-4000-8000-5a4db0c0c0rd',
  stripeSecretKey: 'sk_test_51ConcordSandbox000000000000000000000000000000000000000000000000000',
  posthogApiKey: 'phx_ConcordSandbox0000000000000000000000000000000',
  posthogProjectId: 1,
};
