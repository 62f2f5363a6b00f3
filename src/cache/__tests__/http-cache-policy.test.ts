import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  getNullableType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isListType,
  isNonNullType,
  parse,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
} from 'graphql';
import { scenarios } from '../../../bench/scenarios.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { NAMED_SIZES } from '../../../sandbox/data/sizes.js';
import { DASHBOARD_QUERY } from '../../../test/support/dashboard.js';
import { loadTypeDefs } from '../../graphql/type-defs.js';
import { cachePolicyOf } from '../http-cache-policy.js';

/** Something of every type, two of every list: every selected field resolves. */
function mock(type: GraphQLOutputType): unknown {
  if (isNonNullType(type)) return mock(type.ofType);
  if (isListType(type)) return [mock(type.ofType), mock(type.ofType)];
  if (isCompositeType(type)) return {};
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (type.name === 'Int') return 1;
  if (type.name === 'Float') return 1.5;
  if (type.name === 'Boolean') return true;
  return type.name === 'DateTime' ? '2026-01-01T00:00:00.000Z' : 'x';
}

const typeDefs = loadTypeDefs();
const bare = makeExecutableSchema({ typeDefs });
const abstractResolvers = Object.fromEntries(
  Object.values(bare.getTypeMap())
    .filter(isAbstractType)
    .map((type) => [type.name, { __resolveType: () => bare.getPossibleTypes(type)[0]?.name }]),
);
const schema = makeExecutableSchema({ typeDefs, resolvers: abstractResolvers });
// Apollo's own cache-control plugin (installed by default) is the reference.
const reference = new ApolloServer({
  schema,
  fieldResolver: (_source: unknown, _args: unknown, _ctx: unknown, info: GraphQLResolveInfo) =>
    mock(getNullableType(info.returnType) as GraphQLOutputType),
});

const dataset = generateDataset({ seed: 1, sizes: NAMED_SIZES.demo, anchor: Date.parse('2026-11-24') });
const DOCUMENTS = [
  DASHBOARD_QUERY,
  ...scenarios({ dataset, contactIndex: 0, customerId: 'x' }).map((s) => s.query),
  '{ providers { name circuit } }',
  '{ companies(first: 3) { pageInfo { hasNextPage } edges { node { name } } } }',
  '{ customers(first: 2) { edges { cursor node { id name lifetimeValue { formatted } } } pageInfo { hasNextPage } } }',
  'query ($id: ID!) { node(id: $id) { id ... on Customer { name } } }',
  '{ customer(email: "a@b.c") { events(first: 2) { edges { node { name } } } activity { eventCount } } }',
  'mutation { trackEvent(input: { customerId: "x", name: "y" }) { userErrors { code } } }',
];

describe('Cache-Control decided once per document', () => {
  beforeAll(() => reference.start());
  afterAll(() => reference.stop());

  it.each(DOCUMENTS.map((d) => [d.replace(/\s+/g, ' ').slice(0, 70), d]))(
    'matches what Apollo computes field by field: %s',
    async (_name, document) => {
      const response = await reference.executeOperation({
        query: document,
        variables: {
          id: 'x',
          since: '2026-01-01T00:00:00Z',
          until: '2026-02-01T00:00:00Z',
          first: 2,
          after: null,
        },
      });
      expect(response.body.kind === 'single' && response.body.singleResult.errors).toBeFalsy();
      const policy = cachePolicyOf(schema, parse(document));
      const ours = policy.maxAge > 0 ? `max-age=${policy.maxAge}, ${policy.scope.toLowerCase()}` : 'no-store';
      expect(ours).toBe(response.http.headers.get('cache-control'));
    },
  );
});
