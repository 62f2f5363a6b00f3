import { z } from 'zod';
import type { TwinSpec } from '../twin-spec.js';

export interface StripeTwinCredentials {
  stripeSecretKey: string;
}

/** The Stripe twin's credentials and variables. */
export const stripeTwinSpec: TwinSpec<StripeTwinCredentials> = {
  credentials: {
    stripeSecretKey: 'sk_test_51ConcordSandbox000000000000000000000000000000000000000000000000000',
  },
  variables: {
    SANDBOX_STRIPE_KEY: z
      .string()
      .regex(/^sk_test_\w+$/, 'expected a test secret key (sk_test_...)')
      .optional(),
    SANDBOX_STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_\w+$/, 'expected a webhook signing secret (whsec_...)')
      .optional(),
  },
  read: (values) => ({ stripeSecretKey: values.SANDBOX_STRIPE_KEY as string | undefined }),
  webhookSecret: { variable: 'SANDBOX_STRIPE_WEBHOOK_SECRET', setting: 'stripeSecret' },
};
