import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';

/** How many items a list without a size argument (links, subscriptions, buckets) is assumed to hold. */
export const DEFAULT_UNSIZED_LIST_FACTOR = 10;

export interface CostOptions {
  maxCost: number;
  /** Items a connection holds when the client gives no `first`/`last`. */
  defaultPageSize: number;
  /** Items a connection may hold at most; the worst case when the size comes in a variable. */
  maxPageSize: number;
}

const SIZE_ARGUMENTS = ['first', 'last', 'limit'];

/** What the cost walk knows about the request: its variables and their declared defaults. */
interface Inputs {
  variables: Readonly<Record<string, unknown>>;
  defaults: ReadonlyMap<string, ValueNode>;
}

function sizeOf(value: ValueNode | undefined, fallback: number, worst: number, inputs: Inputs): number {
  if (!value) return fallback;
  // Above the page-size maximum the resolver refuses with BAD_USER_INPUT, the clearer error.
  if (value.kind === Kind.INT) return Math.min(worst, Math.max(0, Number(value.value)));
  if (value.kind === Kind.LIST) return value.values.length;
  if (value.kind === Kind.VARIABLE) {
    const given = inputs.variables[value.name.value];
    if (typeof given === 'number' && Number.isFinite(given)) return Math.min(worst, Math.max(0, given));
    if (Array.isArray(given)) return given.length;
    if (given === undefined) return sizeOf(inputs.defaults.get(value.name.value), fallback, worst, inputs);
    return fallback;
  }
  return worst;
}

function defaultOf(field: GraphQLField<unknown, unknown>, name: string, fallback: number): number {
  const value = field.args.find((a) => a.name === name)?.defaultValue;
  return typeof value === 'number' ? value : fallback;
}

/**
 * How many items a field stands for: the page size for connections and sized lists, the number of
 * ids for `nodes(ids:)`, and 1 for an edge list, whose connection already counted its size.
 */
function multiplier(
  node: FieldNode,
  field: GraphQLField<unknown, unknown>,
  parent: GraphQLNamedType,
  o: CostOptions,
  inputs: Inputs,
): number {
  const given = new Map((node.arguments ?? []).map((a) => [a.name.value, a.value]));
  for (const name of SIZE_ARGUMENTS) {
    if (!field.args.some((a) => a.name === name)) continue;
    const first = given.get('first') ?? given.get('last');
    if (name !== 'limit') return sizeOf(first, o.defaultPageSize, o.maxPageSize, inputs);
    return sizeOf(given.get('limit'), defaultOf(field, 'limit', o.defaultPageSize), o.maxPageSize, inputs);
  }
  const listArgument = field.args.find((a) => isListType(getNullableType(a.type)));
  if (listArgument) return sizeOf(given.get(listArgument.name), o.maxPageSize, o.maxPageSize, inputs);
  if (!isListType(getNullableType(field.type))) return 1;
  if (parent.name.endsWith('Connection') && node.name.value === 'edges') return 1;
  return DEFAULT_UNSIZED_LIST_FACTOR;
}

interface Walk {
  schema: GraphQLSchema;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  options: CostOptions;
  inputs: Inputs;
}

function selectionCost(
  selectionSet: SelectionSetNode,
  type: GraphQLNamedType,
  walk: Walk,
  inFragments: ReadonlySet<string>,
): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
      const field = type.getFields()[selection.name.value];
      if (!field || !selection.selectionSet) continue;
      const children = selectionCost(selection.selectionSet, getNamedType(field.type), walk, inFragments);
      cost += multiplier(selection, field, type, walk.options, walk.inputs) * (1 + children);
      continue;
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition;
      const inner = condition ? walk.schema.getType(condition.name.value) : type;
      if (inner) cost += selectionCost(selection.selectionSet, inner, walk, inFragments);
      continue;
    }
    const name = selection.name.value;
    const fragment = walk.fragments.get(name);
    // A fragment cycle is reported by graphql-js's own rule; here it must only not loop forever.
    if (!fragment || inFragments.has(name)) continue;
    const inner = walk.schema.getType(fragment.typeCondition.name.value);
    if (inner) cost += selectionCost(fragment.selectionSet, inner, walk, new Set([...inFragments, name]));
  }
  return cost;
}

/**
 * The cost of an operation: every object the answer would hold counts 1, multiplied down the tree
 * by list sizes (`first`/`last`, `limit`, ids, from literals or the request's variables), so
 * `customers(first: 100) { payments(first: 100) { … } }` costs over 10,000. Scalars and
 * introspection are free.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  options: CostOptions,
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const fragments = new Map(
    document.definitions.flatMap((d) =>
      d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [],
    ),
  );
  const defaults = new Map(
    (operation.variableDefinitions ?? []).flatMap((v) =>
      v.defaultValue ? [[v.variable.name.value, v.defaultValue] as const] : [],
    ),
  );
  return selectionCost(
    operation.selectionSet,
    root,
    { schema, fragments, options, inputs: { variables, defaults } },
    new Set(),
  );
}

/**
 * The refusal for an operation over the cost limit, or null: reported like a validation failure,
 * with `limit: 'cost'`. HTTP (the plugin below) and WebSocket subscriptions share it.
 */
export function costRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  options: CostOptions,
): GraphQLError | null {
  const cost = operationCost(schema, document, operation, variables, options);
  if (cost <= options.maxCost) return null;
  return new GraphQLError(`Query cost limit of ${options.maxCost} exceeded, found ${cost}.`, {
    nodes: [operation],
    extensions: {
      code: 'GRAPHQL_VALIDATION_FAILED',
      limit: 'cost',
      http: { status: 400 },
    },
  });
}

/**
 * Refuses a costly operation once Apollo has resolved it (so the variables are known) and before
 * it executes: no provider is called.
 */
export function costLimitPlugin<TContext extends object>(options: CostOptions): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const refusal = costRefusal(schema, document, operation, request.variables ?? {}, options);
          if (refusal) throw refusal;
        },
      };
    },
  };
}
