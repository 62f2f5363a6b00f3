import type {
  ActivitySummaryResolvers,
  AnalyticsEventResolvers,
  MetricsBucketResolvers,
  MutationResolvers,
  QueryResolvers,
} from '../generated/resolvers-types.js';
import { trackEvent } from '../writes/events.js';
import { mutate, payloadParts } from '../writes/index.js';
import { toGlobalId } from '../relay/global-ids.js';
import { columnValue, loadMetrics } from './metrics.js';

export const analyticsQueries: Pick<QueryResolvers, 'metrics'> = {
  metrics: (_root, { since, until, interval }, ctx) => loadMetrics(since, until, interval, ctx),
};

export const MetricsBucket: MetricsBucketResolvers = {
  revenue: (bucket) => columnValue(bucket.revenue, bucket.index),
  activeUsers: (bucket) => columnValue(bucket.activeUsers, bucket.index),
  newCustomers: (bucket) => columnValue(bucket.newCustomers, bucket.index),
};

export const ActivitySummary: ActivitySummaryResolvers = {
  topEvents: (summary, { limit }) => summary.topEvents.slice(0, Math.max(0, limit ?? 5)),
};

export const AnalyticsEvent: AnalyticsEventResolvers = {
  id: (event) => toGlobalId('AnalyticsEvent', event.id),
  customer: (event, _args, ctx) => ctx.loaders.contact.load(event.contactId),
};

export const analyticsMutations: Pick<MutationResolvers, 'trackEvent'> = {
  trackEvent: async (_root, { input }, ctx) => {
    const { record, ...parts } = payloadParts(input, await mutate(ctx, 'trackEvent', input, trackEvent));
    return { ...parts, eventId: record ? toGlobalId('AnalyticsEvent', record.eventId) : null };
  },
};
