import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { queryHeaders, startTestStack, type GraphQLResponse, type TestStack } from '../../support/stack.js';

const DASHBOARD = `{ customers(first: 50) { edges { node { name email company { name } deals(status: OPEN) { totalCount edges { node { name amount { formatted } } } }
  payments(first: 5) { edges { node { amount { amount currency formatted } status createdAt } } } lifetimeValue { formatted }
  activity { eventCount activeDays lastSeenAt topEvents { name count } } } } } }`;

describe('query limits, before any provider call', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ MAX_BODY_BYTES: '4096', MAX_TOKENS: '400' });
  });
  afterAll(async () => {
    await stack.stop();
  });

  async function refusedBeforeProviders(
    query: string,
  ): Promise<NonNullable<GraphQLResponse['errors']>[number]> {
    stack.sandbox.counters.reset();
    const res = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: queryHeaders(stack.gateway),
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as GraphQLResponse;
    expect(res.status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(stack.sandbox.counters.snapshot().total).toEqual({
      hubspot: 0,
      stripe: 0,
      posthog: 0,
      salesforce: 0,
    });
    const error = body.errors?.[0];
    if (!error) throw new Error('expected an error');
    return error;
  }

  it('answers the dashboard, well under the limits', async () => {
    const res = await stack.query(DASHBOARD);
    expect(res.errors).toBeUndefined();
  });

  it('refuses a query nested too deep', async () => {
    let query = '{ name }';
    for (let i = 0; i < 4; i++)
      query = `{ customer { company { customers(first: 1) { edges { node ${query} } } } } }`;
    const error = await refusedBeforeProviders(
      `{ customers(first: 1) { edges { node ${query.slice(1, -1).replace(/^ customer /, ' company ')} } } }`,
    );
    expect(error.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth' });
    expect(error.message).toMatch(/^Query depth limit of 12 exceeded, found \d+\.$/);
  });

  it('refuses a query too costly (lists weighted by first/last)', async () => {
    const error = await refusedBeforeProviders(
      '{ customers(first: 100) { edges { node { payments(first: 100) { edges { node { amount { amount } customer { name } } } } } } } }',
    );
    expect(error.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost' });
    expect(error.message).toMatch(/^Query cost limit of 25000 exceeded, found \d+\.$/);
  });

  it('refuses too many aliases and too many directives', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: providers { name }`).join(' ');
    expect((await refusedBeforeProviders(`{ ${aliases} }`)).extensions).toEqual({
      code: 'GRAPHQL_VALIDATION_FAILED',
      limit: 'aliases',
    });
    const directives = Array.from({ length: 51 }, () => '@include(if: true)').join(' ');
    expect((await refusedBeforeProviders(`{ providers ${directives} { name } }`)).extensions).toEqual({
      code: 'GRAPHQL_VALIDATION_FAILED',
      limit: 'directives',
    });
  });

  it('refuses a document with too many tokens', async () => {
    const fields = Array.from({ length: 450 }, () => 'name').join(' ');
    const error = await refusedBeforeProviders(`{ providers { ${fields} } }`);
    expect(error.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(error.message).toMatch(/Document contains more tha[nt] 400 tokens/);
  });

  it('refuses an oversized body with 413, unread', async () => {
    stack.sandbox.counters.reset();
    const res = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: queryHeaders(stack.gateway),
      body: JSON.stringify({ query: `{ providers { name } } # ${'x'.repeat(5000)}` }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      errors: [
        { message: 'The request body is larger than 4096 bytes.', extensions: { code: 'PAYLOAD_TOO_LARGE' } },
      ],
    });
    expect(stack.sandbox.counters.snapshot().total).toEqual({
      hubspot: 0,
      stripe: 0,
      posthog: 0,
      salesforce: 0,
    });
  });
});
