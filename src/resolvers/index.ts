import type { Resolvers } from '../generated/resolvers-types.js';
import {
  ActivitySummary,
  AnalyticsEvent,
  MetricsBucket,
  analyticsMutations,
  analyticsQueries,
} from './analytics.js';
import { Node, commonQueries } from './common.js';
import { Company, Deal, crmMutations, crmQueries } from './crm.js';
import { Customer, customerMutations, customerQueries, customerSubscriptions } from './customers.js';
import { Money } from './money.js';
import {
  BillingSubscription,
  Invoice,
  Payment,
  paymentMutations,
  paymentQueries,
  paymentSubscriptions,
} from './payments.js';
import { Currency, DateTime, JSONScalar } from './scalars.js';

/** Every resolver, one file per schema file; the types come from codegen. */
export const resolvers: Resolvers = {
  DateTime,
  Currency,
  JSON: JSONScalar,
  Query: { ...commonQueries, ...customerQueries, ...crmQueries, ...paymentQueries, ...analyticsQueries },
  Mutation: { ...customerMutations, ...crmMutations, ...paymentMutations, ...analyticsMutations },
  Subscription: { ...customerSubscriptions, ...paymentSubscriptions },
  Node,
  Money,
  Customer,
  Company,
  Deal,
  Payment,
  Invoice,
  BillingSubscription,
  AnalyticsEvent,
  ActivitySummary,
  MetricsBucket,
};
