import type { z } from 'zod';
import type { WebhookSettings } from './webhooks/emitter.js';

/**
 * What the sandbox's configuration needs to know of one twin, declared in the twin's own folder:
 * the development credentials it accepts, the `SANDBOX_<TWIN>_*` variables that change them (and
 * its other settings), and the variable holding its webhook signing secret. `config.ts` and
 * `context.ts` only iterate the list in `twin-specs.ts`.
 */
export interface TwinSpec<C extends object = object> {
  /** Its development credentials: fixed, loopback-only, fake data; not secrets. */
  credentials: C;
  /** Its own variables, each an optional zod schema, validated one by one. */
  variables: Readonly<Record<string, z.ZodType>>;
  /** The credentials its validated variables set (the rest keep their defaults). */
  read(values: Readonly<Record<string, unknown>>): Partial<C>;
  /** The variable with its webhook signing secret, and the emitter setting it fills. */
  webhookSecret?: {
    variable: string;
    setting: keyof Pick<WebhookSettings, 'stripeSecret' | 'hubspotClientSecret'>;
  };
}
