import { describe, expect, it } from '@jest/globals';
import {
  buildSchema,
  execute,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { loadTypeDefs } from '../../graphql/type-defs.js';
import { PII_ARGUMENTS, permissions } from '../permissions.js';
import { SCOPES, type Scope, type Viewer } from '../scopes.js';
import { applyPermissions, fieldsWithoutRule, signedIn, type RuleTree } from '../rules.js';

/**
 * What the access policy says, written out independently of src/auth/permissions.ts: the scopes
 * each field needs. A field missing here fails the test by name, so the policy is always decided.
 */
const CRM: Scope[] = ['crm:read'];
const PAY: Scope[] = ['payments:read'];
const ANA: Scope[] = ['analytics:read'];
const ANY: Scope[] = [];
const TYPE_SCOPES: Record<string, Scope[]> = {
  Customer: CRM,
  CustomerConnection: CRM,
  CustomerEdge: CRM,
  Company: CRM,
  CompanyConnection: CRM,
  CompanyEdge: CRM,
  Deal: CRM,
  DealConnection: CRM,
  DealEdge: CRM,
  Payment: PAY,
  PaymentConnection: PAY,
  PaymentEdge: PAY,
  Invoice: PAY,
  InvoiceConnection: PAY,
  InvoiceEdge: PAY,
  BillingSubscription: PAY,
  PaymentMethodDetails: ['payments:read', 'pii:read'],
  AnalyticsEvent: ANA,
  AnalyticsEventConnection: ANA,
  AnalyticsEventEdge: ANA,
  ActivitySummary: ANA,
  EventCount: ANA,
  MetricsSeries: ANY,
  MetricsBucket: ANY,
  PageInfo: ANY,
  Money: ANY,
  ProviderLink: ANY,
  ProviderStatus: ANY,
  Query: ANY,
  // Payloads: their bookkeeping is anyone's; the record they carry needs its reading scope.
  CreateCustomerPayload: ANY,
  UpdateCustomerPayload: ANY,
  UpdateDealStagePayload: ANY,
  RefundPaymentPayload: ANY,
  TrackEventPayload: ANY,
  UserError: ANY,
};
const FIELD_SCOPES: Record<string, Scope[]> = {
  'Query.customer': CRM,
  'Query.customers': CRM,
  'Query.companies': CRM,
  'Query.deals': CRM,
  'Query.payments': PAY,
  'Query.invoices': PAY,
  'Customer.email': ['crm:read', 'pii:read'],
  'Customer.phone': ['crm:read', 'pii:read'],
  'Customer.payments': PAY,
  'Customer.invoices': PAY,
  'Customer.subscriptions': PAY,
  'Customer.lifetimeValue': PAY,
  'Customer.activity': ANA,
  'Customer.events': ANA,
  'Payment.paymentMethod': ['payments:read', 'pii:read'],
  'AnalyticsEvent.properties': ['analytics:read', 'pii:read'],
  'MetricsBucket.revenue': PAY,
  'MetricsBucket.activeUsers': ANA,
  'MetricsBucket.newCustomers': CRM,
  'Mutation.createCustomer': ['crm:write', 'payments:write'],
  'Mutation.updateCustomer': ['crm:write', 'payments:write'],
  'Mutation.updateDealStage': ['crm:write'],
  'Mutation.refundPayment': ['payments:write'],
  'Mutation.trackEvent': ['analytics:write'],
  'CreateCustomerPayload.customer': CRM,
  'UpdateCustomerPayload.customer': CRM,
  'UpdateDealStagePayload.deal': CRM,
  'RefundPaymentPayload.payment': PAY,
  'Subscription.customerUpdated': CRM,
  'Subscription.paymentUpdated': PAY,
};

function expectedScopes(type: string, field: string): Scope[] | undefined {
  return FIELD_SCOPES[`${type}.${field}`] ?? TYPE_SCOPES[type];
}

/** Scope sets tried for every field: none, each alone, each domain with PII, and all. */
const SCOPE_SETS: Scope[][] = [
  [],
  ...SCOPES.map((s) => [s]),
  ['crm:read', 'pii:read'],
  ['payments:read', 'pii:read'],
  ['analytics:read', 'pii:read'],
  ['crm:write', 'payments:write'],
  [...SCOPES],
];

function sampleInput(type: GraphQLInputType): string {
  const inner = getNullableType(type);
  if (isListType(inner)) return `[${sampleInput(inner.ofType)}]`;
  if (isEnumType(inner)) return inner.getValues()[0]?.name ?? 'null';
  if (isInputObjectType(inner)) {
    // Required fields only: enough for the argument to be valid, so only the rule decides.
    const required = Object.values(inner.getFields()).filter((f) => isNonNullType(f.type));
    return `{${required.map((f) => `${f.name}: ${sampleInput(f.type)}`).join(', ')}}`;
  }
  if (isScalarType(inner) && inner.name === 'DateTime') return '"2026-01-01T00:00:00Z"';
  if (isScalarType(inner) && (inner.name === 'Int' || inner.name === 'Float')) return '1';
  if (isScalarType(inner) && inner.name === 'Boolean') return 'true';
  return '"x"';
}

function argumentsOf(args: readonly GraphQLArgument[]): string {
  const required = args.filter((a) => isNonNullType(a.type));
  return required.length ? `(${required.map((a) => `${a.name}: ${sampleInput(a.type)}`).join(', ')})` : '';
}

/** A value of the field's type, so that only the permission rule decides what comes back. */
function stubValue(type: GraphQLOutputType, schema: GraphQLSchema): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [stubValue(inner.ofType, schema)];
  if (isEnumType(inner)) return inner.getValues()[0]?.value;
  if (isScalarType(inner)) {
    if (inner.name === 'DateTime') return new Date('2026-01-01T00:00:00Z');
    if (inner.name === 'Int' || inner.name === 'Float') return 1;
    if (inner.name === 'Boolean') return true;
    if (inner.name === 'JSON') return { a: 1 };
    return 'x';
  }
  return {};
}

/** The real schema plus a probe field per object type on Query, every resolver returning a stub. */
function probeSchema(extraSdl = ''): { schema: GraphQLSchema; objects: GraphQLObjectType[] } {
  const base = buildSchema([...loadTypeDefs(), extraSdl].join('\n'));
  const objects = Object.values(base.getTypeMap()).filter(
    (t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__'),
  );
  const probes = objects
    .filter((t) => t.name !== 'Query')
    .map((t) => `probe${t.name}: ${t.name}`)
    .join('\n');
  const schema = buildSchema([...loadTypeDefs(), extraSdl, `extend type Query {\n${probes}\n}`].join('\n'));
  for (const type of Object.values(schema.getTypeMap())) {
    if (isInterfaceType(type)) type.resolveType = () => schema.getPossibleTypes(type)[0]?.name;
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) field.resolve = () => stubValue(field.type, schema);
  }
  return { schema, objects };
}

function withProbes(tree: RuleTree, objects: GraphQLObjectType[]): RuleTree {
  const probes = Object.fromEntries(
    objects.filter((t) => t.name !== 'Query').map((t) => [`probe${t.name}`, signedIn]),
  );
  return { ...tree, Query: { ...tree.Query, ...probes } };
}

async function fieldOutcome(
  schema: GraphQLSchema,
  type: GraphQLObjectType,
  field: string,
  scopes: Scope[],
): Promise<'returned' | 'forbidden' | string> {
  const def = type.getFields()[field];
  if (!def) throw new Error(`${type.name}.${field} is missing`);
  const selection = `${field}${argumentsOf(def.args)}${isLeafType(getNamedType(def.type)) ? '' : ' { __typename }'}`;
  const query = type.name === 'Query' ? `{ ${selection} }` : `{ probe${type.name} { ${selection} } }`;
  const viewer: Viewer = { id: 'jwt:matrix', kind: 'jwt', scopes: new Set(scopes) };
  const result = await execute({ schema, document: parse(query), contextValue: { viewer } });
  const errors = result.errors ?? [];
  if (errors.length === 0) return 'returned';
  const codes = errors.map((e) =>
    e.originalError && 'code' in e.originalError ? e.originalError.code : e.message,
  );
  return codes.every((c) => c === 'FORBIDDEN') ? 'forbidden' : `unexpected: ${codes.join(', ')}`;
}

async function matrix(
  schema: GraphQLSchema,
  objects: GraphQLObjectType[],
): Promise<{ mismatches: string[]; undecided: string[]; checked: number }> {
  const mismatches: string[] = [];
  const undecided: string[] = [];
  let checked = 0;
  for (const type of objects) {
    for (const field of Object.keys(type.getFields())) {
      const needed = expectedScopes(type.name, field);
      if (!needed) {
        undecided.push(`${type.name}.${field}`);
        continue;
      }
      for (const scopes of SCOPE_SETS) {
        const expected = needed.every((s) => scopes.includes(s)) ? 'returned' : 'forbidden';
        const actual = await fieldOutcome(schema, type, field, scopes);
        checked += 1;
        if (actual !== expected) {
          mismatches.push(
            `${type.name}.${field} with [${scopes.join(' ')}]: expected ${expected}, got ${actual}`,
          );
        }
      }
    }
  }
  return { mismatches, undecided, checked };
}

describe('the permission matrix, generated from the schema', () => {
  it('returns or forbids every field of every object type for each scope set exactly as the policy says', async () => {
    const { schema, objects } = probeSchema();
    const guarded = applyPermissions(schema, withProbes(permissions, objects));
    const { mismatches, undecided, checked } = await matrix(guarded, objects);
    expect(undecided).toEqual([]);
    expect(mismatches).toEqual([]);
    // Every field of every type, times every scope set.
    const fields = objects.reduce((n, t) => n + Object.keys(t.getFields()).length, 0);
    expect(checked).toBe(fields * SCOPE_SETS.length);
    expect(fields).toBeGreaterThan(150);
  });

  it('has a rule for every field of the real schema', () => {
    const { schema } = probeSchema();
    const real = buildSchema(loadTypeDefs().join('\n'));
    expect(fieldsWithoutRule(real, permissions)).toEqual([]);
    expect(schema).toBeDefined();
  });

  it('denies a field added to the schema without a rule, to every scope set, and names it', async () => {
    const extra =
      'extend type Customer { taxId: String }\ntype Secret { code: String }\nextend type Query { secret: Secret }';
    const { schema, objects } = probeSchema(extra);
    expect(fieldsWithoutRule(schema, withProbes(permissions, objects))).toEqual([
      'Query.secret',
      'Customer.taxId',
      'Secret.code',
    ]);
    const guarded = applyPermissions(schema, withProbes(permissions, objects));
    const customer = schema.getType('Customer') as GraphQLObjectType;
    const secret = schema.getType('Secret') as GraphQLObjectType;
    for (const scopes of SCOPE_SETS) {
      expect(await fieldOutcome(guarded, customer, 'taxId', scopes)).toBe('forbidden');
      expect(await fieldOutcome(guarded, secret, 'code', scopes)).toBe('forbidden');
    }
    // The matrix itself refuses to pass while a field's policy is undecided, and says which.
    // A new type is undecided; a new field on a known type shows as a mismatch: denied where the
    // type's usual scope would return it.
    const { undecided, mismatches } = await matrix(guarded, objects);
    expect(undecided).toEqual(['Secret.code']);
    expect(mismatches).toContain('Customer.taxId with [crm:read]: expected returned, got forbidden');
    expect(mismatches).toContain('Query.secret with []: expected returned, got forbidden');
    expect(mismatches.every((m) => /^(Customer\.taxId|Query\.secret) /.test(m))).toBe(true);
  });

  it('denies when a rule throws, and lets resolver errors through unchanged', async () => {
    const { schema, objects } = probeSchema();
    const query = schema.getQueryType() as GraphQLObjectType;
    const providers = query.getFields().providers;
    if (!providers) throw new Error('Query.providers is missing');
    providers.resolve = () => {
      throw new Error('ECONNREFUSED crm.internal:8443');
    };
    const guarded = applyPermissions(schema, withProbes(permissions, objects));
    const outage = await execute({
      schema: guarded,
      document: parse('{ providers { name } }'),
      contextValue: { viewer: { id: 'jwt:x', kind: 'jwt', scopes: new Set(SCOPES) } },
    });
    expect(outage.errors?.[0]?.message).toBe('ECONNREFUSED crm.internal:8443');
    // A viewer whose scopes cannot be read makes the rule throw: denied, not allowed.
    const broken = await execute({
      schema: guarded,
      document: parse('{ customers { totalCount } }'),
      contextValue: { viewer: { id: 'jwt:x', kind: 'jwt', scopes: null } },
    });
    expect(broken.errors?.[0]?.originalError).toMatchObject({ code: 'FORBIDDEN' });
    expect(broken.data).toEqual({ customers: null });
  });
});

/** Where an argument (or a field of an input object inside one) holds personal data, by its name. */
const PII_NAME = /^(email|phone)$/i;

function piiPaths(prefix: string, type: GraphQLInputType, seen: Set<string>): string[] {
  const inner = getNamedType(type);
  if (!isInputObjectType(inner) || seen.has(inner.name)) return [];
  const next = new Set(seen).add(inner.name);
  return Object.values(inner.getFields()).flatMap((f) => [
    ...(PII_NAME.test(f.name) ? [`${prefix}.${f.name}`] : []),
    ...piiPaths(`${prefix}.${f.name}`, f.type, next),
  ]);
}

function argumentPiiPaths(field: GraphQLField<unknown, unknown>): string[] {
  return field.args.flatMap((a) => [
    ...(PII_NAME.test(a.name) ? [a.name] : []),
    ...piiPaths(a.name, a.type, new Set()),
  ]);
}

describe('lookups by personal data', () => {
  const { schema, objects } = probeSchema();
  const guarded = applyPermissions(schema, withProbes(permissions, objects));
  const PII: Scope[] = ['crm:read', 'pii:read'];

  async function outcome(query: string, variables: Record<string, unknown>, scopes: Scope[]) {
    const viewer: Viewer = { id: 'jwt:matrix', kind: 'jwt', scopes: new Set(scopes) };
    const result = await execute({
      schema: guarded,
      document: parse(query),
      variableValues: variables,
      contextValue: { viewer },
    });
    const error = result.errors?.[0];
    if (!error) return 'returned';
    const original = error.originalError as { code?: string; details?: Record<string, string> } | undefined;
    return original?.code === 'FORBIDDEN'
      ? `forbidden (${String(original.details?.requiredScopes)})`
      : error.message;
  }

  it.each<[string, string, Record<string, unknown>, Scope[]]>([
    ['customer by email', '{ customer(email: "ada@example.com") { __typename } }', {}, PII],
    [
      'customer by email in a variable',
      'query ($e: String) { customer(email: $e) { __typename } }',
      { e: 'a@b.c' },
      PII,
    ],
    [
      'customers filtered by email',
      '{ customers(filter: { email: "ada@example.com" }) { totalCount } }',
      {},
      PII,
    ],
    [
      'customers filtered by email in a variable',
      'query ($f: CustomerFilter) { customers(filter: $f) { totalCount } }',
      { f: { email: 'a@b.c', companyId: 'x' } },
      PII,
    ],
    ['customer by id', '{ customer(id: "x") { __typename } }', {}, CRM],
    [
      'customer with a null email',
      'query ($e: String) { customer(id: "x", email: $e) { __typename } }',
      { e: null },
      CRM,
    ],
    ['customers filtered by company', '{ customers(filter: { companyId: "x" }) { totalCount } }', {}, CRM],
    ['customers unfiltered', '{ customers { totalCount } }', {}, CRM],
  ])('%s needs exactly its scopes, for every scope set', async (_name, query, variables, needed) => {
    for (const scopes of SCOPE_SETS) {
      const allowed = needed.every((s) => scopes.includes(s));
      // The probe resolvers return stubs: a refusal is the rule's, never the resolver's.
      const expected = allowed ? 'returned' : `forbidden (${[...needed].sort().join(' ')})`;
      expect(`${query} with [${scopes.join(' ')}]: ${await outcome(query, variables, scopes)}`).toBe(
        `${query} with [${scopes.join(' ')}]: ${expected}`,
      );
    }
  });

  it('lists every argument of a query or subscription that holds personal data', () => {
    const real = buildSchema(loadTypeDefs().join('\n'));
    const found: Record<string, string[]> = {};
    for (const root of [real.getQueryType(), real.getSubscriptionType()]) {
      for (const field of Object.values(root?.getFields() ?? {})) {
        const paths = argumentPiiPaths(field);
        if (paths.length > 0) found[`${root?.name}.${field.name}`] = paths;
      }
    }
    expect(found).toEqual(PII_ARGUMENTS);
  });
});
