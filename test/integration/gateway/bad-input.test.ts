import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import {
  TEST_ANCHOR,
  TEST_SEED,
  postQuery,
  startTestConcord,
  startTestStack,
  type GraphQLResponse,
  type TestStack,
} from '../../support/stack.js';

function customerId(contactId: string): string {
  return Buffer.from(`v1:Customer:${contactId}`).toString('base64url');
}

/** Every error is coded, and none carries a stack trace or an internal detail. */
function expectCleanError(res: GraphQLResponse, code: string): void {
  expect(res.errors?.length).toBeGreaterThan(0);
  const error = res.errors?.[0];
  expect(error?.extensions?.code).toBe(code);
  expect(JSON.stringify(res.errors)).not.toMatch(/stacktrace|at \w+ \(|node_modules|\.ts:\d+/);
}

describe('bad input gets a coded error and loses nothing else', () => {
  let stack: TestStack;
  let firstContact: string;

  beforeAll(async () => {
    stack = await startTestStack();
    firstContact = stack.sandbox.dataset.contacts[0]?.crmId as string;
  });
  afterAll(async () => {
    await stack.stop();
  });

  it.each([
    ['first: -1', '{ customers(first: -1) { edges { cursor } } }'],
    ['first: 0', '{ customers(first: 0) { edges { cursor } } }'],
    ['first: 100000', '{ customers(first: 100000) { edges { cursor } } }'],
    ['first and last together', '{ payments(first: 1, last: 1) { edges { cursor } } }'],
  ])('refuses %s as BAD_USER_INPUT', async (_name, query) => {
    expectCleanError(await stack.query(query), 'BAD_USER_INPUT');
  });

  it('refuses forged and foreign cursors', async () => {
    const page = await stack.query<{ customers: { pageInfo: { endCursor: string } } }>(
      '{ customers(first: 2) { pageInfo { endCursor } } }',
    );
    const cursor = page.data?.customers.pageInfo.endCursor as string;
    const [body, mac] = cursor.split('.') as [string, string];
    const tampered = `${body.slice(0, -2)}${body.endsWith('A') ? 'B' : 'A'}${body.slice(-1)}.${mac}`;
    for (const bad of [tampered, 'bm90LWEtY3Vyc29y', `${body}.AAAAAAAAAAAAAAAA`]) {
      const res = await stack.query(
        'query ($a: String) { customers(first: 2, after: $a) { edges { cursor } } }',
        {
          a: bad,
        },
      );
      expectCleanError(res, 'BAD_USER_INPUT');
    }
    // A real cursor from another list: customers' cursor given to a customer's payments.
    const foreign = await stack.query(
      'query ($id: ID!, $a: String) { customer(id: $id) { name payments(first: 2, after: $a) { edges { cursor } } } }',
      { id: customerId(firstContact), a: cursor },
    );
    expectCleanError(foreign, 'BAD_USER_INPUT');
    expect((foreign.data as { customer: { name: string } }).customer.name).toBeTruthy();
  });

  it('refuses malformed ids and ids of unknown types, and answers null for ids of nothing', async () => {
    const query = 'query ($id: ID!) { node(id: $id) { id } }';
    for (const bad of ['%%%', 'Y3VzdG9tZXI6MQ', Buffer.from('v1:Widget:1').toString('base64url')]) {
      expectCleanError(await stack.query(query, { id: bad }), 'BAD_USER_INPUT');
    }
    const missing = await stack.query(query, { id: customerId('1') });
    expect(missing.errors).toBeUndefined();
    expect(missing.data).toEqual({ node: null });
    const found = await stack.query<{ node: { id: string } }>(query, { id: customerId(firstContact) });
    expect(found.data?.node.id).toBe(customerId(firstContact));
  });

  it('refuses since after until, in activity and in metrics', async () => {
    const activity = await stack.query(
      'query ($id: ID!) { customer(id: $id) { email activity(since: "2026-11-02T00:00:00Z", until: "2026-11-01T00:00:00Z") { eventCount } } }',
      { id: customerId(firstContact) },
    );
    expectCleanError(activity, 'BAD_USER_INPUT');
    expect((activity.data as { customer: { email: string } }).customer.email).toBeTruthy();
    const metrics = await stack.query(
      '{ metrics(since: "2026-11-02T00:00:00Z", until: "2026-11-01T00:00:00Z", interval: DAY) { buckets { start } } }',
    );
    expectCleanError(metrics, 'BAD_USER_INPUT');
  });

  it('refuses a DateTime that is not ISO-8601, in a variable or in the document', async () => {
    expectCleanError(
      await stack.query(
        'query ($s: DateTime!) { metrics(since: $s, until: "2026-11-01T00:00:00Z", interval: DAY) { since } }',
        {
          s: 'yesterday',
        },
      ),
      'BAD_USER_INPUT',
    );
    const literal = await stack.query(
      '{ metrics(since: "yesterday", until: "2026-11-01T00:00:00Z", interval: DAY) { since } }',
    );
    expectCleanError(literal, 'GRAPHQL_VALIDATION_FAILED');
    expect(literal.errors?.[0]?.message).toMatch(/ISO-8601/);
  });

  it('refuses a customer lookup with neither or both of id and email', async () => {
    expectCleanError(await stack.query('{ customer { name } }'), 'BAD_USER_INPUT');
  });
});

describe('a provider answering garbage', () => {
  let garbage: Server;
  let sandbox: RunningSandbox;
  let concord: Concord;

  beforeAll(async () => {
    garbage = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"results": "not rows", "columns": 7}');
    });
    garbage.listen(0, '127.0.0.1');
    await once(garbage, 'listening');
    sandbox = await startSandbox({ seed: TEST_SEED, anchor: Date.parse(TEST_ANCHOR) });
    // Live mode, with CRM and payments on the sandbox and analytics on a server that answers garbage.
    concord = await startTestConcord({
      HUBSPOT_ACCESS_TOKEN: sandbox.credentials.hubspotAccessToken,
      HUBSPOT_BASE_URL: sandbox.urls.hubspot,
      STRIPE_SECRET_KEY: sandbox.credentials.stripeSecretKey,
      STRIPE_BASE_URL: sandbox.urls.stripe,
      POSTHOG_API_KEY: sandbox.credentials.posthogApiKey,
      POSTHOG_PROJECT_ID: String(sandbox.credentials.posthogProjectId),
      POSTHOG_HOST: `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`,
    });
  });
  afterAll(async () => {
    await concord.stop();
    await sandbox.stop();
    garbage.close();
  });

  it('nulls only that provider’s fields, with PROVIDER_ERROR naming the provider', async () => {
    expect(concord.connected.mode).toBe('live');
    const res = await postQuery<{
      customers: { edges: Array<{ node: { email: string; activity: unknown } }> };
    }>(
      concord.gateway,
      '{ customers(first: 3) { edges { node { email company { name } activity { eventCount } } } } }',
    );
    const nodes = res.data?.customers.edges.map((e) => e.node) ?? [];
    expect(nodes).toHaveLength(3);
    for (const node of nodes) {
      expect(node.email).toBeTruthy();
      expect(node.activity).toBeNull();
    }
    expect(res.errors?.length).toBe(3);
    for (const error of res.errors ?? []) {
      expect(error.extensions).toEqual({ code: 'PROVIDER_ERROR', provider: 'posthog', retryable: false });
      expect(error.message).toBe('The analytics provider returned an error.');
    }
  });
});
