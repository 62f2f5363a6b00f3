import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  buildSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  isEnumType,
  isInputObjectType,
  type GraphQLSchema,
} from 'graphql';

const SCHEMA_DIR = join(import.meta.dirname, '../../schema');

function loadSchema(): GraphQLSchema {
  const files = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.graphql'));
  return buildSchema(files.map((f) => readFileSync(join(SCHEMA_DIR, f), 'utf8')).join('\n'));
}

/** Provider names and provider-only spellings that must not reach the public contract. */
const PROVIDER_WORDS = {
  test: (name: string): boolean =>
    /hubspot|stripe|posthog|hogql|starting_after|distinct_id|hs_object_id|properties_?with_?history/i.test(
      name,
    ) ||
    // HubSpot's property is all lower case; the domain's `DealStage` (camel case) is our own word.
    /dealstage/.test(name),
};
/** Where naming the provider is the point of the field. */
const ALLOWED = new Set(['ProviderLink.provider', 'ProviderStatus.name']);

describe('schema', () => {
  const schema = loadSchema();

  it('builds from one file per domain', () => {
    // releases/ and breaking-changes.json sit beside the domain files; they are no part of the schema.
    expect(
      readdirSync(SCHEMA_DIR)
        .filter((f) => f.endsWith('.graphql'))
        .sort(),
    ).toEqual([
      'analytics.graphql',
      'common.graphql',
      'crm.graphql',
      'customers.graphql',
      'payments.graphql',
    ]);
    expect(schema.getQueryType()?.getFields().customers).toBeDefined();
  });

  it('has the three root types by their own names (no domain type is taken for a root)', () => {
    expect(schema.getMutationType()?.name).toBe('Mutation');
    expect(schema.getSubscriptionType()?.name).toBe('Subscription');
    expect(Object.keys(schema.getSubscriptionType()?.getFields() ?? {}).sort()).toEqual([
      'customerUpdated',
      'paymentUpdated',
    ]);
  });

  it('gives every mutation one input with a clientMutationId and a payload with userErrors', () => {
    const mutations = Object.values(schema.getMutationType()?.getFields() ?? {});
    expect(mutations.map((m) => m.name).sort()).toEqual([
      'createCustomer',
      'refundPayment',
      'trackEvent',
      'updateCustomer',
      'updateDealStage',
    ]);
    for (const mutation of mutations) {
      expect(mutation.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual([
        `input: ${mutation.name.charAt(0).toUpperCase()}${mutation.name.slice(1)}Input!`,
      ]);
      const input = getNamedType(mutation.args[0]?.type);
      const payload = getNamedType(mutation.type);
      expect(isInputObjectType(input) && String(input.getFields().clientMutationId?.type)).toBe('String');
      expect(isObjectType(payload) && String(payload.getFields().userErrors?.type)).toBe('[UserError!]!');
      expect(isObjectType(payload) && String(payload.getFields().clientMutationId?.type)).toBe('String');
    }
  });

  it('makes every entity a Node', () => {
    const node = schema.getType('Node');
    expect(node && isInterfaceType(node)).toBe(true);
    for (const name of [
      'Customer',
      'Company',
      'Deal',
      'Payment',
      'Invoice',
      'BillingSubscription',
      'AnalyticsEvent',
    ]) {
      const type = schema.getType(name);
      expect(type && isObjectType(type) && type.getInterfaces().map((i) => i.name)).toEqual(['Node']);
    }
  });

  it('never uses a float for money', () => {
    const money = schema.getType('Money');
    if (!money || !isObjectType(money)) throw new Error('Money missing');
    expect(Object.values(money.getFields()).map((field) => `${field.name}: ${String(field.type)}`)).toEqual([
      'amount: String!',
      'currency: Currency!',
      'formatted: String!',
    ]);
  });

  it('leaks no provider name or spelling', () => {
    const leaks: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      if (PROVIDER_WORDS.test(type.name)) leaks.push(type.name);
      const members =
        isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)
          ? Object.values(type.getFields()).flatMap((f) => [
              f.name,
              ...('args' in f ? f.args.map((a: { name: string }) => a.name) : []),
            ])
          : isEnumType(type)
            ? type.getValues().map((v) => v.name)
            : [];
      for (const member of members) {
        if (PROVIDER_WORDS.test(member) && !ALLOWED.has(`${type.name}.${member}`))
          leaks.push(`${type.name}.${member}`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
