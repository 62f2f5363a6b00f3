import type { ProviderDescriptor } from '../provider-descriptor.js';
import { PROVIDER_NAME, createPostHogAnalytics } from './analytics.js';
import { posthogQuota } from './quota.js';
import { posthogSettings, type PostHogSettings } from './settings.js';

/** PostHog as Concord's analytics: events and persons over HogQL, events sent through capture. */
export const posthog: ProviderDescriptor<'ANALYTICS', PostHogSettings> = {
  name: PROVIDER_NAME,
  title: 'PostHog',
  domain: 'ANALYTICS',
  settings: posthogSettings,
  create: (settings, deps) =>
    createPostHogAnalytics({
      baseUrl: settings.baseUrl,
      apiKey: settings.apiKey,
      projectId: settings.projectId,
      capture: settings.capture,
      timeoutMs: deps.timeoutMs,
      onCall: deps.onCall,
      policy: deps.policy,
    }),
  // One HogQL query with an `IN` list per batch.
  limits: { ids: 1000 },
  // Event lists page forward by offset; HogQL answers no totals for them.
  capabilities: { backwardPaging: false, batchRead: true, totals: false },
  // 2 slots at ~500 ms ≈ 4 calls/s, under the Query API's 240 per minute.
  transport: { concurrency: 2, queue: 100 },
  quota: posthogQuota,
  // PostHog sends no webhooks Concord reads; captured events come through Concord itself.
  changes: null,
  twin: {
    name: 'posthog',
    settings: (twin) => ({
      baseUrl: twin.url,
      apiKey: String(twin.credentials.apiKey),
      projectId: Number(twin.credentials.projectId),
      // The sandbox serves capture on the same host as its API.
      capture: { baseUrl: twin.url, projectToken: String(twin.credentials.projectToken) },
    }),
  },
};
