/**
 * Compiled execution (graphql-jit) answers byte for byte what graphql-js answers: the same data,
 * the same errors with the same locations, paths, codes and HTTP statuses, partial results included.
 * Two gateways over two sandboxes with the same seed, one compiling every document from its first
 * use, one never; each query is asked twice so the compiled one runs its compiled form.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DASHBOARD_QUERY } from '../../support/dashboard.js';
import { signTestToken } from '../../support/tokens.js';
import { startTestStack, TEST_ANCHOR, type TestStack } from '../../support/stack.js';

const DAY = 86_400_000;
const until = new Date(Date.parse(TEST_ANCHOR)).toISOString();
const since = new Date(Date.parse(TEST_ANCHOR) - 30 * DAY).toISOString();

interface Answer {
  status: number;
  body: unknown;
}

async function ask(
  stack: TestStack,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<Answer> {
  const res = await fetch(stack.gateway.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token ?? (await signTestToken())}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: await res.json() };
}

describe('compiled execution answers as graphql-js does', () => {
  let compiled: TestStack;
  let interpreted: TestStack;

  beforeAll(async () => {
    [compiled, interpreted] = await Promise.all([
      startTestStack({ GRAPHQL_COMPILE_AFTER_USES: '1' }),
      startTestStack({ GRAPHQL_COMPILE_AFTER_USES: 'off' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([compiled?.stop(), interpreted?.stop()]);
  });

  /** Asks both twice; the answers must all be equal, and are returned. */
  async function same(
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
  ): Promise<Answer> {
    const answers: Answer[] = [];
    for (const stack of [compiled, interpreted, compiled, interpreted])
      answers.push(await ask(stack, query, variables, token));
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    return answers[0] as Answer;
  }

  it('the dashboard', async () => {
    const { status, body } = await same(DASHBOARD_QUERY, { first: 10, since, until });
    expect(status).toBe(200);
    expect(JSON.stringify(body)).toContain('"customers"');
    expect(body).not.toHaveProperty('errors');
  });

  it('fragments, aliases, __typename, @skip and @include', async () => {
    const query = /* GraphQL */ `
      query ($skip: Boolean!, $include: Boolean!) {
        first: customers(first: 3) {
          edges {
            node {
              ...Who
              company @skip(if: $skip) {
                name
              }
            }
          }
        }
        second: customers(first: 2) {
          edges {
            cursor @include(if: $include)
            node {
              __typename
              ... on Customer {
                email
              }
            }
          }
          pageInfo {
            hasNextPage
          }
        }
      }
      fragment Who on Customer {
        id
        name
      }
    `;
    for (const variables of [
      { skip: true, include: false },
      { skip: false, include: true },
    ]) {
      const { body } = await same(query, variables);
      expect(JSON.stringify(body)).toContain('"first"');
    }
  });

  it('a variable of the wrong type: 400 BAD_USER_INPUT with graphql-js words', async () => {
    const { status, body } = await same('query ($n: Int!) { customers(first: $n) { edges { cursor } } }', {
      n: 'ten',
    });
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain('BAD_USER_INPUT');
  });

  it('an argument a resolver refuses: coded error with location and path', async () => {
    const { body } = await same('{ customers(first: -1) { edges { cursor } } }');
    const errors = (body as { errors: Array<Record<string, unknown>> }).errors;
    expect(errors[0]).toMatchObject({
      path: ['customers'],
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('a field the viewer may not read (the guarded schema)', async () => {
    const token = await signTestToken({ scopes: ['crm:read'] });
    const { body } = await same(
      '{ customers(first: 2) { edges { node { name email payments(first: 1) { totalCount } } } } }',
      {},
      token,
    );
    expect(JSON.stringify(body)).toContain('FORBIDDEN');
  });

  it('a provider down: the same partial result', async () => {
    for (const stack of [compiled, interpreted]) stack.sandbox.knobs.set('stripe', { outage: true });
    try {
      // Customers the earlier tests did not fetch, so no cached answer stands in for the outage.
      const { body } = await same(DASHBOARD_QUERY, { first: 20, since, until });
      const { data, errors } = body as {
        data: unknown;
        errors: Array<{ path: unknown[]; extensions: unknown }>;
      };
      expect(data).not.toBeNull();
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]?.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    } finally {
      for (const stack of [compiled, interpreted]) stack.sandbox.knobs.set('stripe', { outage: false });
    }
  });

  it('introspection', async () => {
    const { body } = await same(
      '{ __schema { queryType { name } } __type(name: "Customer") { name fields { name type { kind name } } } }',
    );
    expect(JSON.stringify(body)).toContain('"Customer"');
  });

  it('a mutation refused with a user error changes nothing on either', async () => {
    const email = compiled.dataset.contacts[0]?.email as string;
    const { body } = await same(
      'mutation ($email: String!) { createCustomer(input: { email: $email }) { customer { id } userErrors { code field } } }',
      { email },
    );
    expect(JSON.stringify(body)).toContain('TAKEN');
  });
});
