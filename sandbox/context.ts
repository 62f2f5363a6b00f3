import type { Dataset } from './data/dataset.js';
import type { SandboxCredentials } from './twin-specs.js';
import type { WebhookEmitter } from './webhooks/emitter.js';

// The twins' credentials are declared in their folders and listed in twin-specs.ts.
export { DEFAULT_SANDBOX_CREDENTIALS, type SandboxCredentials } from './twin-specs.js';

/** What a provider simulator is built from. */
export interface SimulatorContext {
  dataset: Dataset;
  credentials: SandboxCredentials;
  /** Where data changes are announced as signed webhooks; absent or disabled, nothing is sent. */
  webhooks?: WebhookEmitter;
  /** The time simulators count by (sessions, windows); `Date.now` unless a test controls it. */
  clock?: () => number;
}
