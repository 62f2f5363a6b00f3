import { describe, expect, it } from '@jest/globals';
import { buildSchema, getNamedType, isObjectType } from 'graphql';
import { loadTypeDefs } from '../../src/graphql/type-defs.js';
import {
  ANALYTICS_PROVIDERS,
  CRM_PROVIDERS,
  PAYMENTS_PROVIDERS,
  type DomainKey,
} from '../../src/providers/registry.js';

/**
 * Who pages each connection field: a provider's list (its domain's providers decide whether it can
 * go backwards), or a list Concord holds whole (the resolver pages it either way). A new connection
 * field must be added here, so the schema cannot offer `last`/`before` where every call would refuse.
 */
const PAGED_BY: Record<string, DomainKey | 'whole'> = {
  'Query.customers': 'crm',
  'Query.companies': 'crm',
  'Query.deals': 'crm',
  'Company.customers': 'crm',
  'Company.deals': 'crm',
  'Customer.deals': 'whole',
  'Customer.payments': 'whole',
  'Customer.invoices': 'payments',
  'Query.payments': 'payments',
  'Query.invoices': 'payments',
  'Customer.events': 'analytics',
};

const PROVIDERS = { crm: CRM_PROVIDERS, payments: PAYMENTS_PROVIDERS, analytics: ANALYTICS_PROVIDERS };

function backwards(pagedBy: DomainKey | 'whole'): boolean {
  if (pagedBy === 'whole') return true;
  // The schema is the same whichever provider serves the domain: offered only if all of them can.
  return PROVIDERS[pagedBy].every((provider) => provider.capabilities.backwardPaging);
}

describe('paging arguments in the schema', () => {
  const schema = buildSchema(loadTypeDefs().join('\n'));
  const connections = Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .filter((type) => !type.name.startsWith('__'))
    .flatMap((type) =>
      Object.values(type.getFields())
        .filter((field) => getNamedType(field.type).name.endsWith('Connection'))
        .map((field) => ({ coordinate: `${type.name}.${field.name}`, args: field.args.map((a) => a.name) })),
    );

  it('knows who pages every connection field', () => {
    expect(connections.map((c) => c.coordinate).sort()).toEqual(Object.keys(PAGED_BY).sort());
  });

  it('offers last/before exactly where the list can be paged backwards', () => {
    const wrong = connections.filter(({ coordinate, args }) => {
      const offered = args.includes('last') && args.includes('before');
      const partly = args.includes('last') !== args.includes('before');
      return partly || offered !== backwards(PAGED_BY[coordinate] ?? 'whole');
    });
    expect(wrong.map((c) => c.coordinate)).toEqual([]);
    // Both kinds exist today, so the check above is not vacuous either way.
    expect(connections.some((c) => c.args.includes('last'))).toBe(true);
    expect(connections.some((c) => !c.args.includes('last'))).toBe(true);
  });

  it('offers first/after on every connection field', () => {
    for (const { args } of connections) expect(args).toEqual(expect.arrayContaining(['first', 'after']));
  });
});
