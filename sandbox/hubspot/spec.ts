import { z } from 'zod';
import type { TwinSpec } from '../twin-spec.js';
import { HUBSPOT_TWIN_ENV } from './account.js';

export interface HubSpotTwinCredentials {
  /** The private-app token the twin accepts (its OAuth app is in `oauth.ts`). */
  hubspotAccessToken: string;
}

/** The HubSpot twin's credentials and variables. */
export const hubspotTwinSpec: TwinSpec<HubSpotTwinCredentials> = {
  credentials: { hubspotAccessToken: 'pat-na1-00000000-0000-4000-8000-5a4db0c0c0rd' },
  variables: {
    SANDBOX_HUBSPOT_TOKEN: z.string().min(8).optional(),
    SANDBOX_HUBSPOT_CLIENT_SECRET: z.string().min(8).optional(),
    // The account the twin plays (tier, API limit increase, time zone of the daily reset).
    ...HUBSPOT_TWIN_ENV,
  },
  read: (values) => ({ hubspotAccessToken: values.SANDBOX_HUBSPOT_TOKEN as string | undefined }),
  webhookSecret: { variable: 'SANDBOX_HUBSPOT_CLIENT_SECRET', setting: 'hubspotClientSecret' },
};
