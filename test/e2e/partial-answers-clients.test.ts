import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClientError } from 'graphql-request';
import {
  createConcordApolloClient,
  queryWithPartialData as apolloQuery,
} from '../../client/apollo-client.js';
import { createConcordClient } from '../../client/example.js';
import { DashboardDocument, type DashboardQuery } from '../../client/generated/graphql.js';
import {
  createConcordPartialClient,
  queryWithPartialData as graphqlRequestQuery,
} from '../../client/graphql-request-client.js';
import type { PartialAnswer } from '../../client/partial-answers.js';
import { createConcordUrqlClient, queryWithPartialData as urqlQuery } from '../../client/urql-client.js';
import { Client, fetchExchange } from '@urql/core';
import type { RunningSandbox } from '../../sandbox/index.js';
import type { Concord } from '../../src/app.js';
import { queryHeaders, startTestConcord } from '../support/stack.js';

/**
 * Each client in client/ against a real gateway whose analytics provider (the PostHog twin) is down:
 * the CRM and payment fields answer, `activity` is null, and the caller gets both with the codes.
 */
describe('clients keep partial answers (data + errors with codes) when a provider fails', () => {
  let concord: Concord;
  let sandbox: RunningSandbox;
  let url: string;
  let headers: Record<string, string>;
  const variables = { first: 3, paymentsPerCustomer: 1 };

  beforeAll(async () => {
    concord = await startTestConcord();
    const running = concord.connected.sandbox;
    if (!running) throw new Error('this test runs against the sandbox');
    sandbox = running;
    url = concord.gateway.url;
    // Only the authorization header: each library sets its own content type (or, for a GET, none).
    headers = { authorization: queryHeaders(concord.gateway).authorization ?? '' };
    sandbox.knobs.set('posthog', { outage: true });
  });
  afterAll(async () => {
    sandbox.knobs.reset('posthog');
    await concord.stop();
  });

  /** What every client must hand its caller: the CRM and payment data, and activity's error with its code. */
  function expectPartial(answer: PartialAnswer<DashboardQuery>): void {
    const edges = answer.data?.customers?.edges ?? [];
    expect(edges.map((e) => e.node.email)).toEqual(sandbox.dataset.contacts.slice(0, 3).map((c) => c.email));
    for (const { node } of edges) {
      expect(node.name).toEqual(expect.any(String));
      expect(node.activity).toBeNull();
    }
    expect(answer.errors.length).toBeGreaterThan(0);
    for (const error of answer.errors) {
      expect(error.path).toEqual(['customers', 'edges', expect.any(Number), 'node', 'activity']);
      expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    }
  }

  it('urql 6 over POST (its GET default set aside)', async () => {
    expectPartial(await urqlQuery(createConcordUrqlClient(url, { headers }), DashboardDocument, variables));
  });

  it('urql 6 over GET with the apollo-require-preflight header', async () => {
    expectPartial(
      await urqlQuery(createConcordUrqlClient(url, { headers, method: 'GET' }), DashboardDocument, variables),
    );
  });

  it("urql 6 as it comes (GET, no preflight header) is refused by Apollo Server's CSRF check", async () => {
    const plain = new Client({ url, exchanges: [fetchExchange], fetchOptions: { headers } });
    const result = await plain.query(DashboardDocument, variables).toPromise();
    expect(result.data).toBeUndefined();
    expect(result.error?.message).toMatch(/Cross-Site Request Forgery/);
  });

  it("Apollo Client 4 with errorPolicy 'all'", async () => {
    expectPartial(
      await apolloQuery(createConcordApolloClient(url, { headers }), DashboardDocument, variables),
    );
  });

  it("graphql-request with errorPolicy 'all' (its default throws, with the data only on the error)", async () => {
    expectPartial(
      await graphqlRequestQuery(createConcordPartialClient(url, { headers }), DashboardDocument, variables),
    );
    const thrown = await createConcordClient(url, { headers })
      .dashboard(variables)
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(thrown).toBeInstanceOf(ClientError);
  });
});
