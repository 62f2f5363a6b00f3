import { hubspot } from '../../datasources/hubspot/index.js';
import { posthog } from '../../datasources/posthog/index.js';
import { salesforce } from '../../datasources/salesforce/index.js';
import type { AnyProviderDescriptor, ProviderDescriptor } from '../../datasources/provider-descriptor.js';
import { stripe } from '../../datasources/stripe/index.js';

/**
 * Every provider Concord can use, per domain. This is the one place in `src/` that names a provider:
 * adding one is its folder under `datasources/`, its twin under `sandbox/`, and one line here.
 */
export const CRM_PROVIDERS: ReadonlyArray<ProviderDescriptor<'CRM'>> = [hubspot, salesforce];
export const PAYMENTS_PROVIDERS: ReadonlyArray<ProviderDescriptor<'PAYMENTS'>> = [stripe];
export const ANALYTICS_PROVIDERS: ReadonlyArray<ProviderDescriptor<'ANALYTICS'>> = [posthog];

/** All of them, in the order settings are validated and reported. */
export const PROVIDER_DESCRIPTORS: readonly AnyProviderDescriptor[] = [
  ...CRM_PROVIDERS,
  ...PAYMENTS_PROVIDERS,
  ...ANALYTICS_PROVIDERS,
];

/** The CRM when `CRM_PROVIDER` is not set. */
export const DEFAULT_CRM_PROVIDER = 'hubspot';

/** The provider serving each domain, by name (what config holds). */
export interface ProviderChoice {
  crm: string;
  payments: string;
  analytics: string;
}

/** The descriptor serving each domain. */
export interface ChosenProviders {
  crm: ProviderDescriptor<'CRM'>;
  payments: ProviderDescriptor<'PAYMENTS'>;
  analytics: ProviderDescriptor<'ANALYTICS'>;
}

export type DomainKey = keyof ChosenProviders;
export const DOMAIN_KEYS: readonly DomainKey[] = ['crm', 'payments', 'analytics'];

function named<
  D extends ProviderDescriptor<'CRM'> | ProviderDescriptor<'PAYMENTS'> | ProviderDescriptor<'ANALYTICS'>,
>(list: readonly D[], name: string): D {
  const found = list.find((d) => d.name === name);
  // Config validated the name against this registry; anything else is a bug, not a setting.
  if (!found) throw new Error(`no provider named ${name} in the registry`);
  return found;
}

/** The descriptors config chose, looked up by name. */
export function chosenProviders(choice: ProviderChoice): ChosenProviders {
  return {
    crm: named(CRM_PROVIDERS, choice.crm),
    payments: named(PAYMENTS_PROVIDERS, choice.payments),
    analytics: named(ANALYTICS_PROVIDERS, choice.analytics),
  };
}

/** The chosen descriptors as a list, CRM first. */
export function chosenList(choice: ProviderChoice): AnyProviderDescriptor[] {
  const chosen = chosenProviders(choice);
  return DOMAIN_KEYS.map((key) => chosen[key]);
}
