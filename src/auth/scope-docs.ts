import { isIntrospectionType, isObjectType, type GraphQLSchema } from 'graphql';
import type { FieldRule, RuleTree } from './rules.js';

/** The line every field's description ends with, so GraphiQL's docs say what a field needs. */
export const SCOPES_LINE_PREFIX = 'Scopes: ';

const code = (scope: string): string => `\`${scope}\``;

/** What `rule` asks of a viewer, in words; null for a field without a rule (denied to everyone). */
export function scopesText(rule: FieldRule | undefined): string {
  if (!rule) return `${SCOPES_LINE_PREFIX}none grant it (no rule: denied).`;
  const base = rule.scopes.length === 0 ? 'any signed-in client' : rule.scopes.map(code).join(' + ');
  const extra = rule.whenArguments
    ? `; also ${rule.whenArguments.extra.map(code).join(' + ')} when ${rule.whenArguments.paths
        .map(code)
        .join(' or ')} is given`
    : '';
  return `${SCOPES_LINE_PREFIX}${base}${extra}.`;
}

/**
 * Appends each field's scopes (from the rule tree that enforces them, the one source) to its
 * description in `schema`, in place, so introspection and GraphiQL show them beside the field.
 */
export function describeScopes(schema: GraphQLSchema, tree: RuleTree): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const line = scopesText(tree[type.name]?.[field.name]);
      field.description = field.description ? `${field.description}\n\n${line}` : line;
    }
  }
  return schema;
}
