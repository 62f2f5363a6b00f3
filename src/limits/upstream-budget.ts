import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { ConcordError, ErrorCode } from '../errors/concord-error.js';
import { fromGlobalId, type NodeType } from '../relay/global-ids.js';
import type { ChosenProviders } from '../providers/registry.js';

/** Ids one upstream call fetches, per node type. */
export type IdsPerCall = Record<NodeType, number>;

/**
 * From the providers' descriptors: a provider with batch read fetches its batch size per call, one
 * without (Stripe: one GET per charge, invoice or subscription) one; analytics reads its `IN` list.
 */
export function idsPerCall({ crm, payments, analytics }: ChosenProviders): IdsPerCall {
  const crmIds = crm.capabilities.batchRead ? crm.limits.batchRead : 1;
  const paymentIds = payments.capabilities.batchRead ? payments.limits.retrieve : 1;
  const analyticsIds = analytics.capabilities.batchRead ? analytics.limits.ids : 1;
  return {
    Customer: crmIds,
    Company: crmIds,
    Deal: crmIds,
    Payment: paymentIds,
    Invoice: paymentIds,
    BillingSubscription: paymentIds,
    AnalyticsEvent: analyticsIds,
  };
}

export class UpstreamBudgetError extends ConcordError {
  constructor(estimate: number, budget: number) {
    super(
      ErrorCode.UPSTREAM_BUDGET_EXCEEDED,
      `This request would make about ${estimate} upstream calls; one request may make ${budget}. Ask for fewer ids.`,
      { estimate, budget },
    );
    this.name = 'UpstreamBudgetError';
  }
}

function idsIn(value: ValueNode | undefined, variables: Readonly<Record<string, unknown>>): string[] {
  if (!value) return [];
  if (value.kind === Kind.STRING) return [value.value];
  if (value.kind === Kind.LIST) return value.values.flatMap((v) => idsIn(v, variables));
  if (value.kind !== Kind.VARIABLE) return [];
  const given = variables[value.name.value];
  const list: unknown[] = Array.isArray(given) ? given : [given];
  return list.filter((v): v is string => typeof v === 'string');
}

/** The ids the root `node`/`nodes` fields ask for, through fragments and aliases. */
function rootIds(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Readonly<Record<string, unknown>>,
  seen: Set<string>,
): string[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.INLINE_FRAGMENT)
      return rootIds(selection.selectionSet, fragments, variables, seen);
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value)) return [];
      seen.add(fragment.name.value);
      return rootIds(fragment.selectionSet, fragments, variables, seen);
    }
    const name = selection.name.value;
    if (name !== 'node' && name !== 'nodes') return [];
    const argument = selection.arguments?.find((a) => a.name.value === (name === 'node' ? 'id' : 'ids'));
    return idsIn(argument?.value, variables);
  });
}

/**
 * Upstream calls the operation's ids will cost when none is cached: distinct ids per type, by how
 * many ids one call of that provider reads. Ids that do not decode cost nothing (they are refused).
 * Fields without ids are not estimated; the transport stops those at the budget while running.
 */
export function upstreamEstimate(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  perCall: IdsPerCall,
): number {
  if (operation.operation !== 'query') return 0;
  const fragments = new Map(
    document.definitions.flatMap((d) =>
      d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [],
    ),
  );
  const byType = new Map<NodeType, Set<string>>();
  for (const globalId of rootIds(operation.selectionSet, fragments, variables, new Set())) {
    try {
      const { type, id } = fromGlobalId(globalId);
      byType.set(type, (byType.get(type) ?? new Set()).add(id));
    } catch {
      // Not an id this API issued: the resolver answers BAD_USER_INPUT without a call.
    }
  }
  let calls = 0;
  for (const [type, ids] of byType) calls += Math.ceil(ids.size / perCall[type]);
  return calls;
}

/** Refuses, before execution, an operation whose ids alone would make more upstream calls than `budget`. */
export function upstreamBudgetPlugin<TContext extends object>(
  budget: number,
  perCall: IdsPerCall,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return;
          const estimate = upstreamEstimate(document, operation, request.variables ?? {}, perCall);
          if (estimate <= budget) return;
          throw new GraphQLError(`Upstream call budget of ${budget} exceeded, estimated ${estimate}.`, {
            nodes: [operation],
            originalError: new UpstreamBudgetError(estimate, budget),
            extensions: { code: ErrorCode.UPSTREAM_BUDGET_EXCEEDED, http: { status: 400 } },
          });
        },
      };
    },
  };
}
