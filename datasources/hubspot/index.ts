import type { ProviderDescriptor } from '../provider-descriptor.js';
import { createHubSpot } from './create.js';
import { PROVIDER_NAME } from './mapping.js';
import { hubspotQuota } from './quota.js';
import { DEFAULT_WRITE_KEY_PROPERTY, hubspotSettings, type HubSpotSettings } from './settings.js';
import { hubspotWebhooks } from './webhooks.js';
import { HUBSPOT_LIMITS } from './wire.js';

/** HubSpot as Concord's CRM: contacts, companies and deals over the CRM v3/v4 APIs. */
export const hubspot: ProviderDescriptor<'CRM', HubSpotSettings> = {
  name: PROVIDER_NAME,
  title: 'HubSpot',
  domain: 'CRM',
  settings: hubspotSettings,
  create: createHubSpot,
  limits: {
    batchRead: HUBSPOT_LIMITS.batchReadInputs,
    associations: HUBSPOT_LIMITS.associationBatchInputs,
  },
  // Lists and searches page forward only; search answers a `total`.
  capabilities: { backwardPaging: false, batchRead: true, totals: true },
  // 5 slots at ~300 ms ≈ 17 calls/s, under the documented 190 per 10 s.
  transport: { concurrency: 5, queue: 200 },
  quota: hubspotQuota,
  // An OAuth app refreshes its access tokens (shared sealed between replicas); a private app does not.
  oauth: true,
  usesOAuth: (settings) => settings.auth.kind === 'oauth',
  changes: hubspotWebhooks,
  twin: {
    name: 'hubspot',
    settings: (twin) => ({
      baseUrl: twin.url,
      auth: { kind: 'private-app', accessToken: String(twin.credentials.accessToken) },
      portalId: null,
      // The twin knows the property (sandbox/hubspot/properties.ts), so creates are retried there too.
      writeKeyProperty: DEFAULT_WRITE_KEY_PROPERTY,
    }),
  },
};
