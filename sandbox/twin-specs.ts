import type { TwinName } from './http/provider.js';
import { hubspotTwinSpec } from './hubspot/spec.js';
import { posthogTwinSpec } from './posthog/spec.js';
import { salesforceTwinSpec } from './salesforce/settings.js';
import { stripeTwinSpec } from './stripe/spec.js';
import type { TwinSpec } from './twin-spec.js';

/**
 * Every twin's credentials and variables, by name: the one list `config.ts` (variables, webhook
 * secrets) and `context.ts` (credentials) read. A new twin adds its folder's spec here, and its
 * simulator in `twins.ts` (the compiler asks for both once its name is in `http/provider.ts`).
 */
export const TWIN_SPECS = {
  hubspot: hubspotTwinSpec,
  stripe: stripeTwinSpec,
  posthog: posthogTwinSpec,
  salesforce: salesforceTwinSpec,
} as const satisfies Record<TwinName, TwinSpec>;

type CredentialsOf<S> = S extends TwinSpec<infer C> ? C : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The keys the simulators accept, each twin's own under its own names; anything else is that provider's 401. */
export type SandboxCredentials = Intersection<CredentialsOf<(typeof TWIN_SPECS)[TwinName]>>;

/** Fixed development keys: the sandbox is loopback-only and its data is fake, so these are not secrets. */
export const DEFAULT_SANDBOX_CREDENTIALS = Object.assign(
  {},
  ...Object.values(TWIN_SPECS).map((spec) => spec.credentials),
) as SandboxCredentials;

/** The credentials with what each twin's validated variables set. */
export function credentialsFrom(values: Readonly<Record<string, unknown>>): SandboxCredentials {
  const credentials: Record<string, unknown> = { ...DEFAULT_SANDBOX_CREDENTIALS };
  for (const spec of Object.values(TWIN_SPECS) as TwinSpec[]) {
    for (const [key, value] of Object.entries(spec.read(values))) {
      if (value !== undefined) credentials[key] = value;
    }
  }
  return credentials as SandboxCredentials;
}
