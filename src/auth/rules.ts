/**
 * Field rules, decided once per operation. The first field an operation resolves walks its document
 * (fragments included, every concrete type behind an interface) with the viewer's scopes and the
 * operation's variables, and notes which field, on which type, is refused; every field then only
 * looks its own node up in that note. This replaces graphql-shield and graphql-middleware (both
 * unmaintained), which ran a middleware generator around every field of every row.
 *
 * Fail closed: a field without a rule is refused to everyone, a rule that throws refuses, and no
 * viewer means no field. Errors the resolvers raise pass through unchanged, so an outage is never
 * reported as "forbidden".
 */
import {
  defaultFieldResolver,
  getNamedType,
  isAbstractType,
  isIntrospectionType,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import { ForbiddenError } from './errors.js';
import type { Scope, Viewer } from './scopes.js';

/** What a field needs: every one of `scopes`, and `extra` too when any of `paths` is given a value. */
export interface FieldRule {
  readonly scopes: readonly Scope[];
  readonly whenArguments?: { readonly paths: readonly string[]; readonly extra: readonly Scope[] };
}
/** Type name → field name → rule. Every field needs its own entry: there is no wildcard. */
export type RuleTree = Record<string, Record<string, FieldRule>>;

interface RuledContext {
  viewer?: Viewer | null;
}

/** Sorted and without repeats, so equal policies read the same. */
function normalized(scopes: readonly Scope[]): Scope[] {
  return [...new Set(scopes)].sort();
}

/** A rule that passes when the viewer holds every one of `scopes`. */
export function requireScopes(...scopes: Scope[]): FieldRule {
  return Object.freeze({ scopes: normalized(scopes) });
}

/**
 * `scopes`, and also `extra` when the field is called with any of `paths` (dotted argument paths,
 * e.g. `filter.email`) set to a value. For lookups by personal data: whoever may ask "is this
 * address a customer?" learns as much as whoever may read the address. Decided on the arguments as
 * given (literals and variables alike), before the resolver runs, so a refusal makes no provider call.
 */
export function requireScopesWhenArguments(
  scopes: Scope[],
  { paths, extra }: { paths: readonly string[]; extra: Scope[] },
): FieldRule {
  return Object.freeze({ scopes: normalized(scopes), whenArguments: { paths: [...paths].sort(), extra } });
}

/** Any authenticated viewer, whatever its scopes (shared shapes such as Money and PageInfo). */
export const signedIn: FieldRule = requireScopes();

/** The value at a dotted path (`filter.email`) of a field's arguments. */
function argumentAt(args: unknown, path: string): unknown {
  let value: unknown = args;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Null when the viewer may read the field, else the error the client sees in its place. */
function refusal(
  rule: FieldRule | undefined,
  viewer: Viewer | null | undefined,
  args: () => Record<string, unknown>,
  where: string,
): Error | null {
  // Made only when refused: an Error captures a stack, and most fields of most requests are allowed.
  const denied = () => new ForbiddenError(`You may not read ${where}.`);
  if (!rule || !viewer) return denied();
  try {
    let needed = rule.scopes;
    let what = 'This';
    if (rule.whenArguments) {
      const values = args();
      const given = rule.whenArguments.paths.filter((path) => argumentAt(values, path) != null);
      if (given.length > 0) {
        needed = normalized([...rule.scopes, ...rule.whenArguments.extra]);
        what = `Looking up by ${given.join(' and ')}`;
      }
    }
    const missing = needed.filter((scope) => !viewer.scopes.has(scope));
    if (missing.length === 0) return null;
    return new ForbiddenError(
      `${what} needs the ${missing.join(' and ')} scope${missing.length > 1 ? 's' : ''}.`,
      { requiredScopes: needed.join(' ') },
    );
  } catch {
    // A rule that cannot decide (a viewer without readable scopes) denies.
    return denied();
  }
}

/** Field node → concrete parent type name → why it is refused. Absent: allowed. */
type Refusals = Map<FieldNode, Map<string, Error>>;

/** What deciding an operation's rules reads: a resolver's `info` has it, and so has an executor before it runs. */
export type OperationView = Pick<GraphQLResolveInfo, 'schema' | 'fragments' | 'variableValues' | 'operation'>;

/**
 * Whether `viewer` is refused any field `view`'s operation selects. False only when every field is
 * allowed: then the operation may run on a schema without guards. A rule that throws refuses.
 */
export function refusesAnything(
  tree: RuleTree,
  viewer: Viewer | null | undefined,
  view: OperationView,
): boolean {
  try {
    return decide(tree, viewer, view).size > 0;
  } catch {
    return true;
  }
}

/** Walks one operation's selections and notes every refused field, per concrete parent type. */
function decide(tree: RuleTree, viewer: Viewer | null | undefined, info: OperationView): Refusals {
  const refusals: Refusals = new Map();
  const { schema, fragments, variableValues } = info;
  const seen = new Set<string>();
  const visit = (types: readonly GraphQLObjectType[], selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        visitField(types, selection);
        continue;
      }
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments[selection.name.value] : selection;
      if (!fragment) continue;
      const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : null;
      const narrowed = condition
        ? types.filter((t) => t === condition || possible(condition).includes(t))
        : types;
      // A fragment reached twice through the same types needs no second walk.
      const key = `${selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : ''}@${narrowed.map((t) => t.name).join(',')}`;
      if (selection.kind === Kind.FRAGMENT_SPREAD && seen.has(key)) continue;
      seen.add(key);
      visit(narrowed, fragment.selectionSet);
    }
  };
  const possible = (type: ReturnType<GraphQLSchema['getType']>): readonly GraphQLObjectType[] =>
    type && isAbstractType(type) ? schema.getPossibleTypes(type) : type && isObjectType(type) ? [type] : [];
  const visitField = (types: readonly GraphQLObjectType[], node: FieldNode): void => {
    const name = node.name.value;
    if (name.startsWith('__')) return;
    const children: GraphQLObjectType[] = [];
    for (const type of types) {
      const field: GraphQLField<unknown, unknown> | undefined = type.getFields()[name];
      if (!field) continue;
      const error = refusal(
        tree[type.name]?.[name],
        viewer,
        () => getArgumentValues(field, node, variableValues),
        `${type.name}.${name}`,
      );
      if (error) {
        const byType = refusals.get(node) ?? new Map<string, Error>();
        byType.set(type.name, error);
        refusals.set(node, byType);
      }
      for (const child of possible(getNamedType(field.type)))
        if (!children.includes(child)) children.push(child);
    }
    if (node.selectionSet && children.length > 0) visit(children, node.selectionSet);
  };
  const root = schema.getRootType(info.operation.operation);
  if (root) visit([root], info.operation.selectionSet);
  return refusals;
}

/** The resolver a guard wraps, so that applying another tree replaces the guard instead of stacking. */
const UNGUARDED = Symbol('unguarded');
type Resolver = GraphQLFieldResolver<unknown, RuledContext> & { [UNGUARDED]?: Resolver };

/**
 * Puts every field of `schema` (in place) behind `tree`. The decisions for an operation are made
 * once, on its first field, and kept with the request's context object for the rest of the operation.
 */
export function applyPermissions(schema: GraphQLSchema, tree: RuleTree): GraphQLSchema {
  const decided = new WeakMap<object, { operation: unknown; refusals: Refusals }>();
  const refusalFor = (ctx: RuledContext, info: GraphQLResolveInfo): Error | undefined => {
    const key = typeof ctx === 'object' && ctx !== null ? ctx : info.operation;
    let entry = decided.get(key);
    if (!entry || entry.operation !== info.operation) {
      entry = { operation: info.operation, refusals: decide(tree, ctx?.viewer, info) };
      decided.set(key, entry);
    }
    // Nothing refused (a viewer with every scope the document needs): no lookup per field.
    if (entry.refusals.size === 0) return undefined;
    return entry.refusals.get(info.fieldNodes[0] as FieldNode)?.get(info.parentType.name);
  };
  const guard = (given: Resolver): Resolver => {
    const resolve = given[UNGUARDED] ?? given;
    const guarded: Resolver = (parent, args, ctx, info) => {
      const error = refusalFor(ctx, info);
      if (error) throw error;
      return resolve(parent, args, ctx, info);
    };
    guarded[UNGUARDED] = resolve;
    return guarded;
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    for (const field of Object.values(type.getFields()) as Array<GraphQLField<unknown, RuledContext>>) {
      field.resolve = guard(field.resolve ?? defaultFieldResolver);
      if (field.subscribe) field.subscribe = guard(field.subscribe);
    }
  }
  return schema;
}

/** `Type.field` of every object-type field that has no rule in `tree` (so is denied to everyone). */
export function fieldsWithoutRule(schema: GraphQLSchema, tree: RuleTree): string[] {
  return Object.values(schema.getTypeMap())
    .filter((type) => isObjectType(type) && !isIntrospectionType(type))
    .flatMap((type) =>
      isObjectType(type)
        ? Object.keys(type.getFields())
            .filter((field) => !tree[type.name]?.[field])
            .map((field) => `${type.name}.${field}`)
        : [],
    );
}
