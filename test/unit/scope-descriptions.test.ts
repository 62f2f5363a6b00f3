import { describe, expect, it } from '@jest/globals';
import { buildSchema, getIntrospectionQuery, graphqlSync, type IntrospectionQuery } from 'graphql';
import { permissions } from '../../src/auth/permissions.js';
import { requireScopes, type RuleTree } from '../../src/auth/rules.js';
import { SCOPES_LINE_PREFIX, describeScopes } from '../../src/auth/scope-docs.js';
import { loadTypeDefs } from '../../src/graphql/type-defs.js';
import { protectedSchema } from '../../src/http/security.js';
import { resolvers } from '../../src/resolvers/index.js';

/** Type.field → the scopes line of its description, as introspection (and so GraphiQL) shows it. */
function shownScopes(tree: RuleTree = permissions): Map<string, string> {
  const schema = protectedSchema(loadTypeDefs(), resolvers, tree);
  const result = graphqlSync({ schema, source: getIntrospectionQuery() });
  const data = result.data as unknown as IntrospectionQuery;
  const shown = new Map<string, string>();
  for (const type of data.__schema.types) {
    if (type.kind !== 'OBJECT' || type.name.startsWith('__')) continue;
    for (const field of type.fields) {
      const line = (field.description ?? '').split('\n').at(-1) ?? '';
      shown.set(`${type.name}.${field.name}`, line);
    }
  }
  return shown;
}

/** The scopes a line names before any "also … when" clause, read back from the text. */
function baseScopes(line: string): string[] {
  const base = line.slice(SCOPES_LINE_PREFIX.length).split(';')[0] ?? '';
  return [...base.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string).sort();
}

describe('scopes in the schema GraphiQL shows', () => {
  const shown = shownScopes();

  it('ends every object field’s description with the scopes permissions.ts enforces for it', () => {
    const disagreeing: string[] = [];
    for (const [coordinate, line] of shown) {
      const [type, field] = coordinate.split('.') as [string, string];
      const rule = permissions[type]?.[field];
      if (!line.startsWith(SCOPES_LINE_PREFIX) || !rule) disagreeing.push(`${coordinate}: ${line}`);
      else if (baseScopes(line).join(' ') !== [...rule.scopes].sort().join(' '))
        disagreeing.push(
          `${coordinate}: shows ${baseScopes(line).join(' ')}, needs ${rule.scopes.join(' ')}`,
        );
    }
    expect(disagreeing).toEqual([]);
    expect(shown.size).toBeGreaterThan(150);
  });

  it('says what PII needs, and what a lookup by email adds', () => {
    expect(shown.get('Customer.email')).toBe('Scopes: `crm:read` + `pii:read`.');
    expect(shown.get('Customer.name')).toBe('Scopes: `crm:read`.');
    expect(shown.get('Money.amount')).toBe('Scopes: any signed-in client.');
    expect(shown.get('Query.customer')).toBe('Scopes: `crm:read`; also `pii:read` when `email` is given.');
    expect(shown.get('Mutation.createCustomer')).toBe('Scopes: `crm:write` + `payments:write`.');
  });

  it('follows the rules when they change (the description is derived, never written twice)', () => {
    const changed: RuleTree = {
      ...permissions,
      Customer: { ...permissions.Customer, name: requireScopes('crm:read', 'pii:read') },
    };
    expect(shownScopes(changed).get('Customer.name')).toBe('Scopes: `crm:read` + `pii:read`.');
  });

  it('keeps the field’s own description before the scopes', () => {
    const schema = describeScopes(buildSchema('type Query { "Hello." a: Int b: Int }'), {
      Query: { a: requireScopes('crm:read') },
    });
    const fields = schema.getQueryType()?.getFields();
    expect(fields?.a?.description).toBe('Hello.\n\nScopes: `crm:read`.');
    expect(fields?.b?.description).toBe('Scopes: none grant it (no rule: denied).');
  });
});
