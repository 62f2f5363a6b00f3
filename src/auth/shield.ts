/**
 * The one module that knows graphql-shield. The package is barely maintained: its ES module build
 * imports `util.isUndefined`, which Node 23 removed, so it is loaded through its CommonJS build
 * (whose only use of that function is in `chain`/`race`, which we never use). Swapping shield for
 * another field-middleware library means changing this file only.
 */
import { createRequire } from 'node:module';
import type { GraphQLSchema } from 'graphql';
import { isIntrospectionType, isObjectType } from 'graphql';
import type * as Middleware from 'graphql-middleware';
import type * as Shield from 'graphql-shield';
import { ForbiddenError } from './errors.js';
import type { Scope, Viewer } from './scopes.js';

const load = createRequire(import.meta.url);
const { shield, rule, deny } = load('graphql-shield') as typeof Shield;
// The same (CommonJS) copy shield builds its middleware with: graphql-middleware tells its own
// generators apart with instanceof, which fails across its ES module and CommonJS builds.
const { applyMiddleware } = load('graphql-middleware') as typeof Middleware;

/** A field's access rule; made only by `requireScopes` and `signedIn` below. */
export type FieldRule = ReturnType<ReturnType<typeof rule>>;
/** Type name → field name → rule. Every field needs its own entry: there is no wildcard. */
export type RuleTree = Record<string, Record<string, FieldRule>>;

interface ShieldedContext {
  viewer?: Viewer | null;
}

const byName = new Map<string, FieldRule>();

/** Sorted and without repeats, so equal policies get one rule (and one cache entry). */
function normalized(scopes: readonly Scope[]): Scope[] {
  return [...new Set(scopes)].sort();
}

/** True, or why not: FORBIDDEN naming every scope the field needs. False without a viewer. */
function verdict(
  viewer: Viewer | null | undefined,
  needed: readonly Scope[],
  what = 'This',
): true | Error | false {
  if (!viewer) return false;
  const missing = needed.filter((scope) => !viewer.scopes.has(scope));
  if (missing.length === 0) return true;
  return new ForbiddenError(
    `${what} needs the ${missing.join(' and ')} scope${missing.length > 1 ? 's' : ''}.`,
    {
      requiredScopes: needed.join(' '),
    },
  );
}

/**
 * A rule that passes when the viewer holds every one of `scopes`. Cached 'contextual': the answer
 * depends only on the viewer, who is fixed for the request, so it is computed once per request and
 * rule. ('contextual' ignores parent and args: it would be wrong for a per-object rule.)
 */
export function requireScopes(...scopes: Scope[]): FieldRule {
  const sorted = normalized(scopes);
  const name = `scopes:${sorted.join('+') || 'signed-in'}`;
  const existing = byName.get(name);
  if (existing) return existing;
  const made = rule(name, { cache: 'contextual' })((_parent: unknown, _args: unknown, ctx: ShieldedContext) =>
    verdict(ctx.viewer, sorted),
  );
  byName.set(name, made);
  return made;
}

/** The value at a dotted path (`filter.email`) of a field's resolved arguments. */
function argumentAt(args: unknown, path: string): unknown {
  let value: unknown = args;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * `scopes`, and also `extra` when the field is called with any of `paths` (dotted argument paths,
 * e.g. `filter.email`) set to a value. For lookups by personal data: whoever may ask "is this
 * address a customer?" learns as much as whoever may read the address. Checked on the arguments
 * as resolved (literals and variables alike), before the resolver runs, so a refusal makes no
 * provider call. Cached 'strict' (per arguments), since the answer depends on them.
 */
export function requireScopesWhenArguments(
  scopes: Scope[],
  { paths, extra }: { paths: readonly string[]; extra: Scope[] },
): FieldRule {
  const base = normalized(scopes);
  const all = normalized([...scopes, ...extra]);
  const name = `scopes:${base.join('+')}|${all.join('+')}-when:${[...paths].sort().join(',')}`;
  const existing = byName.get(name);
  if (existing) return existing;
  const made = rule(name, { cache: 'strict' })((_parent: unknown, args: unknown, ctx: ShieldedContext) => {
    const given = paths.filter((path) => argumentAt(args, path) != null);
    if (given.length === 0) return verdict(ctx.viewer, base);
    return verdict(ctx.viewer, all, `Looking up by ${given.join(' and ')}`);
  });
  byName.set(name, made);
  return made;
}

/** Any authenticated viewer, whatever its scopes (shared shapes such as Money and PageInfo). */
export const signedIn: FieldRule = requireScopes();

/**
 * Wraps every field of `schema` in its rule. Fail closed: a field without a rule is denied
 * (`fallbackRule: deny`), and a rule that throws denies. Errors the resolvers raise pass through
 * unchanged (`allowExternalErrors`), so a provider outage is never reported as "forbidden".
 */
export function applyPermissions(schema: GraphQLSchema, tree: RuleTree): GraphQLSchema {
  const middleware = shield(tree, {
    fallbackRule: deny,
    allowExternalErrors: true,
    debug: false,
    fallbackError: (_error, _parent, _args, _ctx, info) =>
      new ForbiddenError(`You may not read ${info.parentType.name}.${info.fieldName}.`),
  });
  return applyMiddleware(schema, middleware);
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
