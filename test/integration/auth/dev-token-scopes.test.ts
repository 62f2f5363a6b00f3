import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestStack, type TestStack } from '../../support/stack.js';

/**
 * In sandbox mode GraphiQL's header editor holds a development token; `?scopes=` makes it one with
 * only those scopes, so a developer sees FORBIDDEN where a client with fewer scopes will.
 */
describe('GraphiQL in sandbox mode: a development token with fewer scopes', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // The sandbox's own development secret, as `npm start` has it (no JWT_SECRET).
    stack = await startTestStack({ JWT_SECRET: '' });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const page = (query: string): Promise<Response> =>
    fetch(new URL(`/graphiql${query}`, stack.gateway.url), { headers: { accept: 'text/html' } });

  async function tokenOf(query: string): Promise<string> {
    const res = await page(query);
    expect(res.status).toBe(200);
    const token = /Bearer ([\w-]+\.[\w-]+\.[\w-]+)/.exec(await res.text())?.[1];
    if (!token) throw new Error('no development token in the page');
    return token;
  }

  const QUERY =
    '{ customers(first: 1) { edges { node { name email } } } payments(first: 1) { pageInfo { hasNextPage } } }';

  it('answers everything with the default token', async () => {
    const res = await stack.query(QUERY, {}, { token: await tokenOf('') });
    expect(res.errors).toBeUndefined();
  });

  it('with ?scopes=crm:read, answers the CRM and refuses PII and payments with FORBIDDEN', async () => {
    const res = await stack.query<{ customers: { edges: Array<{ node: { name: string | null } }> } }>(
      QUERY,
      {},
      { token: await tokenOf('?scopes=crm:read') },
    );
    expect(res.data?.customers.edges[0]?.node.name).toEqual(expect.any(String));
    expect(res.errors?.map((e) => [e.path?.join('.'), e.extensions?.code]).sort()).toEqual([
      ['customers.edges.0.node.email', 'FORBIDDEN'],
      ['payments', 'FORBIDDEN'],
    ]);
  });

  it('with ?scopes= (none), refuses every domain field', async () => {
    const res = await stack.query(QUERY, {}, { token: await tokenOf('?scopes=') });
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });

  it('refuses a scope it does not know, naming it and the real ones', async () => {
    const res = await page('?scopes=crm:read,crm:admin');
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('crm:admin');
    expect(text).toContain('payments:read');
  });
});
