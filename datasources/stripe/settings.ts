import { z } from 'zod';
import type { ProviderSettings } from '../provider-descriptor.js';

export const DEFAULT_BASE_URL = 'https://api.stripe.com';
/** The Stripe API version the payments mapping is written against (pinned, not the account default). */
export const DEFAULT_STRIPE_API_VERSION = '2026-10-28.endive';

export interface StripeSettings {
  baseUrl: string;
  secretKey: string;
  apiVersion: string;
}

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** `STRIPE_*`: each variable on its own, so one bad value is one line at start-up. */
export const STRIPE_VARIABLES = {
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\w+$/, 'expected a Stripe secret or restricted key (sk_… or rk_…)')
    .optional(),
  STRIPE_BASE_URL: url.optional(),
  STRIPE_API_VERSION: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(\.\w+)?$/, 'expected a version such as 2026-10-28.endive')
    .optional(),
} as const;

/** A live-mode key (`sk_live_…`, `rk_live_…`): Stripe's live limits apply, not test mode's. */
export const isLiveKey = (key: string): boolean => /^(sk|rk)_live_/.test(key);

export const stripeSettings: ProviderSettings<StripeSettings> = {
  credentials: ['STRIPE_SECRET_KEY'],
  variables: STRIPE_VARIABLES,
  live: (values) => ({
    baseUrl: (values.STRIPE_BASE_URL as string | undefined) ?? DEFAULT_BASE_URL,
    secretKey: values.STRIPE_SECRET_KEY as string,
    apiVersion: (values.STRIPE_API_VERSION as string | undefined) ?? DEFAULT_STRIPE_API_VERSION,
  }),
  credentialOf: (settings) => `${settings.baseUrl} ${settings.secretKey}`,
};
