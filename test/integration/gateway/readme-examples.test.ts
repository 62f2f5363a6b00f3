import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kind, parse, print, visit, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { ADA } from '../../../sandbox/data/seed-ada.js';
import { DEFAULT_QUERY } from '../../../src/graphiql/page.js';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import { startTestStack, type GraphQLResponse, type TestStack } from '../../support/stack.js';
import { subscribe, untilSubscribed } from '../../support/subscribe.js';
import { signTestToken } from '../../support/tokens.js';

/**
 * What a new user copies first must answer real data from the sandbox: every GraphQL operation in
 * README.md (its ```graphql blocks and the query inside its curl example) and GraphiQL's welcome
 * query, run as written against the sandbox `npm start` serves (its default seed), under both CRMs.
 */

const README = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');

interface Example {
  /** Where it comes from, for the test's name. */
  source: string;
  operation: OperationDefinitionNode;
}

function operationsOf(source: string, text: string): Example[] {
  return parse(text).definitions.map((definition, i) => {
    if (definition.kind !== Kind.OPERATION_DEFINITION) throw new Error(`${source}: not an operation`);
    return { source: `${source} #${i + 1} (${definition.operation})`, operation: definition };
  });
}

function examples(): Example[] {
  const found: Example[] = [];
  const lineOf = (index: number): number => README.slice(0, index).split('\n').length;
  for (const block of README.matchAll(/```graphql\n([\s\S]*?)```/g)) {
    found.push(...operationsOf(`README.md:${lineOf(block.index)}`, block[1] ?? ''));
  }
  for (const block of README.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const query of (block[1] ?? '').matchAll(/"query":\s*("(?:[^"\\]|\\.)*")/g)) {
      const text = JSON.parse(query[1] ?? '""') as string;
      found.push(...operationsOf(`README.md:${lineOf(block.index)} (curl)`, text));
    }
  }
  found.push(...operationsOf('GraphiQL welcome query', DEFAULT_QUERY));
  return found;
}

/**
 * The README writes `"…"` where an id of the reader's own goes; the test puts Ada's there, by the
 * argument's name. A placeholder under any other name fails, so a new one is given a value here.
 */
function filled(
  operation: OperationDefinitionNode,
  values: Record<string, string>,
  literals: Record<string, string>,
): DocumentNode {
  const fill = <T extends { name: { value: string }; value: { kind: Kind } }>(node: T): T | undefined => {
    if (node.value.kind !== Kind.STRING) return undefined;
    const written = (node.value as unknown as { value: string }).value;
    const literal = literals[written];
    if (literal !== undefined) return { ...node, value: { kind: Kind.STRING, value: literal } };
    if (written !== '…') return undefined;
    const value = values[node.name.value];
    if (value === undefined) throw new Error(`no value for the placeholder of ${node.name.value}`);
    return { ...node, value: { kind: Kind.STRING, value } };
  };
  return visit({ kind: Kind.DOCUMENT, definitions: [operation] }, { Argument: fill, ObjectField: fill });
}

/**
 * Paths (list indexes left out) that are null wherever they occur. A field that answers null every
 * time (a count nobody counts, a label nobody has) fails; one null among real values (a contact
 * without a company) does not. Empty lists contribute nothing.
 */
function alwaysNull(data: unknown): string[] {
  const seen = new Map<string, boolean>();
  const walk = (value: unknown, path: string): void => {
    seen.set(path, (seen.get(path) ?? false) || value !== null);
    if (Array.isArray(value)) for (const item of value) walk(item, path);
    else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key);
    }
  };
  walk(data, '');
  return [...seen].filter(([, answered]) => !answered).map(([path]) => path);
}

function userErrorsIn(data: unknown): unknown[] {
  if (Array.isArray(data)) return data.flatMap(userErrorsIn);
  if (data === null || typeof data !== 'object') return [];
  return Object.entries(data).flatMap(([key, child]) =>
    key === 'userErrors' && Array.isArray(child) ? child : userErrorsIn(child),
  );
}

const ALL = examples();

interface AdaIds {
  customer: {
    id: string;
    payments: { edges: Array<{ node: { id: string; amount: { amount: string; currency: string } } }> };
  } | null;
}

describe.each(['hubspot', 'salesforce'])('README and GraphiQL examples against the sandbox (%s)', (crm) => {
  let stack: TestStack;
  let values: Record<string, string>;
  let literals: Record<string, string>;

  beforeAll(async () => {
    // `npm start`'s own seed (no SANDBOX_SEED), the one the README's ids come from.
    stack = await startTestStack({
      SANDBOX_SEED: '42',
      CRM_PROVIDER: crm,
    });
    // Ada's ids as the gateway gives them (each CRM has its own contact ids).
    const ada = await stack.query<AdaIds>(
      `query ($email: String!) {
        customer(email: $email) {
          id
          payments(first: 50, status: SUCCEEDED) { edges { node { id amount { amount currency } } } }
        }
      }`,
      { email: ADA.email },
    );
    const customer = ada.data?.customer;
    const refundable = customer?.payments.edges.find(
      ({ node }) => node.amount.currency === 'USD' && Number(node.amount.amount) >= 5,
    );
    if (!customer || !refundable) throw new Error(`Ada is not in the sandbox: ${JSON.stringify(ada)}`);
    values = { customerId: customer.id, id: customer.id, paymentId: refundable.node.id };
    // The README's literal ids are Ada's under the default CRM (HubSpot contact ids, which the data
    // set's CRM ids are); under Salesforce the same example asks for her by her Salesforce id.
    const { dataset } = stack.sandbox;
    const crmId = dataset.contacts.find((c) => c.email === ADA.email)?.crmId ?? 'missing';
    literals = { [toGlobalId('Customer', crmId)]: customer.id };
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('finds the examples: both dashboards, the three "More" queries, a mutation, two subscriptions', () => {
    const kinds = ALL.map((e) => e.operation.operation);
    expect(kinds.filter((k) => k === 'query').length).toBeGreaterThanOrEqual(6);
    expect(kinds).toContain('mutation');
    expect(kinds.filter((k) => k === 'subscription')).toHaveLength(2);
  });

  it('answers every query and mutation with real data, and delivers every subscription', async () => {
    const origin = new URL(stack.gateway.url).origin;
    const token = await signTestToken({ expiresInS: 600 });
    const subscriptions = ALL.filter((e) => e.operation.operation === 'subscription').map((e) => ({
      example: e,
      sub: subscribe<Record<string, unknown>>(
        stack.gateway.url,
        print(filled(e.operation, values, literals)),
        {},
        token,
      ),
    }));
    try {
      await untilSubscribed(origin, subscriptions.length);
      const answers: Array<{ source: string; res: GraphQLResponse }> = [];
      for (const example of ALL.filter((e) => e.operation.operation !== 'subscription')) {
        answers.push({
          source: example.source,
          res: await stack.query(print(filled(example.operation, values, literals))),
        });
      }
      // The refund above reaches `paymentUpdated`; `customerUpdated` needs a change to Ada herself. Her
      // name, which her payment account follows: its webhook is immediate under either CRM (Salesforce's
      // own changes arrive by a poll with a one-minute grain).
      const changed = await stack.query(
        'mutation ($input: UpdateCustomerInput!) { updateCustomer(input: $input) { userErrors { code } } }',
        { input: { id: values.id, firstName: 'Augusta Ada' } },
      );
      expect(changed).toEqual({ data: { updateCustomer: { userErrors: [] } } });
      for (const { example, sub } of subscriptions) {
        // A subscription that hears nothing is reported by name below, with the rest.
        const [event] = await sub.next(1, 10_000).catch(() => []);
        answers.push({ source: example.source, res: event ?? { errors: [{ message: 'no event' }] } });
      }
      const problems = answers.flatMap(({ source, res }) => [
        ...(res.errors ?? []).map(
          (e) => `${source}: ${String(e.extensions?.code ?? e.message)} at ${e.path?.join('.') ?? '-'}`,
        ),
        ...(res.data ? [] : [`${source}: no data`]),
        ...alwaysNull(res.data).map((path) => `${source}: ${path} is null`),
        ...userErrorsIn(res.data).map((e) => `${source}: userError ${JSON.stringify(e)}`),
      ]);
      expect(problems).toEqual([]);
    } finally {
      await Promise.all(subscriptions.map(({ sub }) => sub.close()));
    }
  }, 120_000);
});
