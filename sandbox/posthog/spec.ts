import { z } from 'zod';
import type { TwinSpec } from '../twin-spec.js';

export interface PostHogTwinCredentials {
  posthogApiKey: string;
  posthogProjectId: number;
}

/** The PostHog twin's credentials and variables. */
export const posthogTwinSpec: TwinSpec<PostHogTwinCredentials> = {
  credentials: { posthogApiKey: 'phx_ConcordSandbox0000000000000000000000000000000', posthogProjectId: 1 },
  variables: {
    SANDBOX_POSTHOG_KEY: z.string().min(8).optional(),
    SANDBOX_POSTHOG_PROJECT_ID: z
      .string()
      .regex(/^-?\d+$/, 'expected a whole number')
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(1)
          .max(2 ** 31 - 1),
      )
      .optional(),
  },
  read: (values) => ({
    posthogApiKey: values.SANDBOX_POSTHOG_KEY as string | undefined,
    posthogProjectId: values.SANDBOX_POSTHOG_PROJECT_ID as number | undefined,
  }),
};
