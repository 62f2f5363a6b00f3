import { z } from 'zod';
import type { ProviderSettings } from '../provider-descriptor.js';

/** PostHog Cloud US's private API host. */
export const DEFAULT_BASE_URL = 'https://us.posthog.com';
/** PostHog Cloud US's ingestion host (events are sent there, not to the private API host). */
export const DEFAULT_POSTHOG_CAPTURE_HOST = 'https://us.i.posthog.com';

export interface PostHogSettings {
  baseUrl: string;
  apiKey: string;
  projectId: number;
  /** Event capture: the ingestion host and the public project token; null leaves capture off. */
  capture: { baseUrl: string; projectToken: string } | null;
}

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** `POSTHOG_*`: each variable on its own, so one bad value is one line at start-up. */
export const POSTHOG_VARIABLES = {
  POSTHOG_API_KEY: z.string().min(1).optional(),
  POSTHOG_HOST: url.optional(),
  POSTHOG_PROJECT_ID: z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1)
        .max(2 ** 31 - 1),
    )
    .optional(),
  POSTHOG_PROJECT_TOKEN: z
    .string()
    .regex(/^phc_\w+$/, 'expected the project token (phc_…), not a personal API key')
    .optional(),
  POSTHOG_CAPTURE_HOST: url.optional(),
} as const;

export const posthogSettings: ProviderSettings<PostHogSettings> = {
  credentials: ['POSTHOG_API_KEY', 'POSTHOG_PROJECT_ID'],
  variables: POSTHOG_VARIABLES,
  live: (values) => {
    const projectToken = values.POSTHOG_PROJECT_TOKEN as string | undefined;
    return {
      baseUrl: (values.POSTHOG_HOST as string | undefined) ?? DEFAULT_BASE_URL,
      apiKey: values.POSTHOG_API_KEY as string,
      projectId: values.POSTHOG_PROJECT_ID as number,
      capture: projectToken
        ? {
            baseUrl: (values.POSTHOG_CAPTURE_HOST as string | undefined) ?? DEFAULT_POSTHOG_CAPTURE_HOST,
            projectToken,
          }
        : null,
    };
  },
  credentialOf: (settings) => `${settings.baseUrl} ${settings.projectId} ${settings.apiKey}`,
};
