import type { NodeResolvers, QueryResolvers, ResolversTypes } from '../generated/resolvers-types.js';
import type { RequestContext } from '../graphql/context.js';
import { fromGlobalId, type NodeType } from '../relay/global-ids.js';

type NodeParent = ResolversTypes['Node'];

/** Fetches one object of any node type through its loader; null when it does not exist. */
async function loadNode(globalId: string, ctx: RequestContext, argument: string): Promise<NodeParent | null> {
  const { type, id } = fromGlobalId(globalId, argument);
  const loaders: Record<NodeType, () => Promise<NodeParent | null>> = {
    Customer: () => ctx.loaders.contact.load(id),
    Company: () => ctx.loaders.company.load(id),
    Deal: () => ctx.loaders.deal.load(id),
    Payment: () => ctx.loaders.payment.load(id),
    Invoice: () => ctx.loaders.invoice.load(id),
    BillingSubscription: () => ctx.loaders.subscription.load(id),
    AnalyticsEvent: () => ctx.loaders.event.load(id),
  };
  const node = await loaders[type]();
  // The type travels with a copy (cached objects are shared and frozen), so Node.__resolveType
  // never has to guess from its fields.
  if (!node) return null;
  const typed: NodeParent & { [NODE_TYPE]: NodeType } = { ...node, [NODE_TYPE]: type };
  return typed;
}

const NODE_TYPE = Symbol('nodeType');

export const commonQueries: Pick<QueryResolvers, 'node' | 'nodes' | 'providers'> = {
  node: (_root, { id }, ctx) => loadNode(id, ctx, 'id'),
  nodes: (_root, { ids }, ctx) => Promise.all(ids.map((id, i) => loadNode(id, ctx, `ids[${i}]`))),
  providers: (_root, _args, ctx) => {
    const { providers, stats, mode, resilience } = ctx.services;
    const entries = [
      { domain: 'CRM' as const, name: providers.crm.name },
      { domain: 'PAYMENTS' as const, name: providers.payments.name },
      { domain: 'ANALYTICS' as const, name: providers.analytics.name },
    ];
    return entries.map((entry) => {
      const health = stats.health(entry.name);
      return {
        ...entry,
        mode: mode === 'live' ? ('LIVE' as const) : ('SANDBOX' as const),
        circuit: resilience.state(entry.name).circuit,
        errorRate: health.errorRate,
        latencyP50Ms: health.latencyP50Ms,
        latencyP95Ms: health.latencyP95Ms,
      };
    });
  },
};

export const Node: NodeResolvers = {
  __resolveType: (node) => (node as NodeParent & { [NODE_TYPE]?: NodeType })[NODE_TYPE] ?? null,
};
