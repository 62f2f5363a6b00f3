import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  isCompositeType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { currentRequestScope } from '../../datasources/transport/request-scope.js';

/** A `@cacheControl` hint, or the policy of a whole answer. */
export interface CacheHint {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
  inheritMaxAge?: boolean;
}

function hintOf(directives: readonly ConstDirectiveNode[] | undefined): CacheHint {
  const directive = directives?.find((d) => d.name.value === 'cacheControl');
  const hint: CacheHint = {};
  for (const argument of directive?.arguments ?? []) {
    const { value } = argument;
    if (argument.name.value === 'maxAge' && value.kind === Kind.INT) hint.maxAge = Number(value.value);
    if (argument.name.value === 'scope' && value.kind === Kind.ENUM)
      hint.scope = value.value === 'PRIVATE' ? 'PRIVATE' : 'PUBLIC';
    if (argument.name.value === 'inheritMaxAge' && value.kind === Kind.BOOLEAN)
      hint.inheritMaxAge = value.value;
  }
  return hint;
}

const typeHint = (type: GraphQLNamedType) =>
  hintOf([...(type.astNode?.directives ?? []), ...type.extensionASTNodes.flatMap((n) => n.directives ?? [])]);
const fieldHint = (field: GraphQLField<unknown, unknown>) => hintOf(field.astNode?.directives);

/**
 * The cache policy of an answer to `document`, from the schema's `@cacheControl` hints alone, by the
 * rules of Apollo's cache-control plugin (a field returning an object without a hint, or a root
 * field, allows no caching; an `inheritMaxAge` type takes its parent's; any PRIVATE hint makes the
 * answer private). Decided once per document, not per resolved field: Concord sets no hint at run
 * time, and counting every selected field (returned or not) can only make the policy stricter.
 */
export function cachePolicyOf(
  schema: GraphQLSchema,
  document: DocumentNode,
): Required<Omit<CacheHint, 'inheritMaxAge'>> {
  let maxAge = Number.POSITIVE_INFINITY;
  let scope: 'PUBLIC' | 'PRIVATE' = 'PUBLIC';
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (!field) return;
        const target = getNamedType(field.type);
        const hint: CacheHint = {};
        let inherit = false;
        if (isCompositeType(target)) {
          Object.assign(hint, typeHint(target));
          inherit = hint.inheritMaxAge === true;
        }
        const own = fieldHint(field);
        if (own.inheritMaxAge && hint.maxAge === undefined) {
          inherit = true;
          if (own.scope) hint.scope = own.scope;
        } else {
          if (own.maxAge !== undefined) hint.maxAge = own.maxAge;
          if (own.scope) hint.scope = own.scope;
        }
        if (
          hint.maxAge === undefined &&
          ((isCompositeType(target) && !inherit) || roots.has(parent as never))
        )
          hint.maxAge = 0;
        if (hint.maxAge !== undefined) maxAge = Math.min(maxAge, hint.maxAge);
        if (hint.scope === 'PRIVATE') scope = 'PRIVATE';
      },
    }),
  );
  return { maxAge: Number.isFinite(maxAge) ? maxAge : 0, scope };
}

/**
 * HTTP `Cache-Control` for each answer, from its document's policy (memoized per parsed document,
 * which Apollo reuses for a repeated query). Replaces Apollo's own plugin, which wraps every field of
 * every row to reach the same result. An answer with errors, or with entries served stale, is
 * `no-store`.
 */
export function httpCachePolicyPlugin<T extends object>(): ApolloServerPlugin<T> {
  let schema: GraphQLSchema | null = null;
  const policies = new WeakMap<DocumentNode, ReturnType<typeof cachePolicyOf>>();
  return {
    async serverWillStart(service) {
      schema = service.schema;
    },
    async requestDidStart() {
      return {
        async willSendResponse({ document, response }) {
          let header = 'no-store';
          const stale = currentRequestScope()?.stale.size ?? 0;
          if (
            schema &&
            document &&
            stale === 0 &&
            response.body.kind === 'single' &&
            !response.body.singleResult.errors
          ) {
            let policy = policies.get(document);
            if (!policy) {
              policy = cachePolicyOf(schema, document);
              policies.set(document, policy);
            }
            if (policy.maxAge > 0) header = `max-age=${policy.maxAge}, ${policy.scope.toLowerCase()}`;
          }
          response.http.headers.set('cache-control', header);
        },
      };
    },
  };
}
