import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Stripe from 'stripe';
import { startSandbox, type RunningSandbox } from '../../../../sandbox/index.js';
import {
  FIDELITY_SANDBOX,
  keysOf,
  rejectionOf,
  stripeFixtures as fixtures,
  stripeNode,
} from '../../../support/official-clients.js';

// The calls stripe-node's README shows, beyond those Concord's adapter makes, against the twin.

type Json = Record<string, unknown>;

let sandbox: RunningSandbox;
const client = (options: Stripe.StripeConfig = {}): Stripe => stripeNode(sandbox, options);
const rejection = (promise: Promise<unknown>) => rejectionOf<Stripe.errors.StripeError>(promise);

const requests = (endpoint: string): number => sandbox.counters.snapshot().byEndpoint.stripe[endpoint] ?? 0;

beforeAll(async () => {
  sandbox = await startSandbox(FIDELITY_SANDBOX);
});

afterAll(async () => {
  await sandbox.stop();
});

describe('auto-pagination', () => {
  it('autoPagingToArray walks every page of a list, newest first, in the shape of the fixtures', async () => {
    const stripe = client();
    const before = requests('GET /v1/customers');
    const all = await stripe.customers.list({ limit: 7 }).autoPagingToArray({ limit: 10_000 });
    expect(all).toHaveLength(sandbox.dataset.customers.length);
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    for (let i = 1; i < all.length; i += 1)
      expect((all[i - 1] as Stripe.Customer).created).toBeGreaterThanOrEqual(
        (all[i] as Stripe.Customer).created,
      );
    expect(requests('GET /v1/customers') - before).toBe(Math.ceil(all.length / 7));
    expect(keysOf(all[0])).toEqual(expect.arrayContaining(['id', 'object', 'created', 'email', 'metadata']));
    for (const key of keysOf(all[0])) expect(keysOf(fixtures.customer)).toContain(key);
  });

  it('autoPagingEach stops when the callback returns false, fetching no further page', async () => {
    const stripe = client();
    const before = requests('GET /v1/charges');
    const seen: string[] = [];
    await stripe.charges.list({ limit: 3 }).autoPagingEach((charge) => {
      seen.push(charge.id);
      return seen.length < 5;
    });
    expect(seen).toHaveLength(5);
    expect(requests('GET /v1/charges') - before).toBe(2);
  });

  it('for await … of walks search results through next_page', async () => {
    const stripe = client();
    const query = 'status:"succeeded"';
    const first = await stripe.charges.search({ query, limit: 2 });
    expect(first.has_more).toBe(true);
    const ids: string[] = [];
    for await (const charge of stripe.charges.search({ query, limit: 100 })) {
      expect(charge.status).toBe('succeeded');
      ids.push(charge.id);
    }
    const expected = sandbox.dataset.charges.filter((c) => c.status === 'succeeded').length;
    expect(ids).toHaveLength(expected);
    expect(new Set(ids).size).toBe(expected);
  });
});

describe('stripe.rawRequest', () => {
  it('sends a GET with the query in the path and answers the object with lastResponse', async () => {
    const stripe = client();
    const customer = (await stripe.customers.list({ limit: 1 })).data[0] as Stripe.Customer;
    const raw = (await stripe.rawRequest('GET', `/v1/customers/${customer.id}`)) as Json & {
      lastResponse: { statusCode: number; apiVersion?: string; requestId: string };
    };
    expect(raw).toMatchObject({ id: customer.id, object: 'customer', email: customer.email });
    expect(raw.lastResponse.statusCode).toBe(200);
    expect(raw.lastResponse.apiVersion).toBe(Stripe.API_VERSION);
    expect(raw.lastResponse.requestId).toMatch(/^req_/);
  });

  it('sends a POST as a form body (with its idempotency key) and a refused one as a StripeError', async () => {
    const stripe = client();
    const created = (await stripe.rawRequest('POST', '/v1/customers', {
      email: 'raw.request@example.com',
      metadata: { via: 'rawRequest' },
    })) as Json;
    expect(created).toMatchObject({
      object: 'customer',
      email: 'raw.request@example.com',
      metadata: { via: 'rawRequest' },
    });
    const unknown = await rejection(stripe.rawRequest('POST', '/v1/payment_links', { active: 'true' }));
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.message).toMatch(/^Unrecognized request URL \(POST: \/v1\/payment_links\)/);
  });
});

describe('request and response events, idempotency keys', () => {
  it("emits 'request' and 'response' with the version, status and request id the twin answered", async () => {
    const stripe = client();
    const requests: Stripe.RequestEvent[] = [];
    const responses: Stripe.ResponseEvent[] = [];
    stripe.on('request', (event: Stripe.RequestEvent) => requests.push(event));
    stripe.on('response', (event: Stripe.ResponseEvent) => responses.push(event));
    await stripe.customers.list({ limit: 1 });
    expect(requests).toEqual([expect.objectContaining({ method: 'GET', path: '/v1/customers?limit=1' })]);
    expect(responses).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/v1/customers?limit=1',
        status: 200,
        api_version: Stripe.API_VERSION,
        request_id: expect.stringMatching(/^req_/),
      }),
    ]);
  });

  it('replays a create sent again with the same idempotency key, echoing the key', async () => {
    const stripe = client();
    const key = 'readme-idempotency-key-1';
    const first = await stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey: key });
    const again = await stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.idempotencyKey).toBe(key);
    const misused = await rejection(
      stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: key }),
    );
    expect(misused).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });
});

describe('Stripe-Account (Connect)', () => {
  it("refuses a connected account the sandbox's account cannot reach, as Stripe does, for every call", async () => {
    const stripe = client();
    for (const call of [
      stripe.customers.list({ limit: 1 }, { stripeAccount: 'acct_1Connected000000' }),
      client({ stripeAccount: 'acct_1Connected000000' }).charges.list({ limit: 1 }),
      stripe.rawRequest('GET', '/v1/customers?limit=1', undefined, { stripeAccount: 'acct_1Other' }),
    ]) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
      expect({ status: error.statusCode, code: error.code, type: error.rawType }).toEqual({
        status: 403,
        code: 'account_invalid',
        type: 'invalid_request_error',
      });
      expect(error.message).toMatch(
        /^The provided key 'sk_test_\*+\w{4}' does not have access to account 'acct_1\w+' \(or that account does not exist\)\./,
      );
    }
  });
});

describe('API version and beta headers', () => {
  it('refuses a beta the account has not been given, naming it, and keeps the plain version working', async () => {
    const version = `${Stripe.API_VERSION}; feature_beta=v1`;
    const error = await rejection(
      client({ apiVersion: version as Stripe.LatestApiVersion }).customers.list({ limit: 1 }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect({ status: error.statusCode, code: error.code, message: error.message }).toEqual({
      status: 400,
      code: undefined,
      message: `Invalid Stripe API version: ${version}. You do not have permission to pass this beta header: feature_beta. If you have any questions, we can help at https://support.stripe.com/.`,
    });
    const perRequest = await rejection(
      client().customers.list({ limit: 1 }, { apiVersion: `${Stripe.API_VERSION}; a_beta=v2; b_beta=v1` }),
    );
    expect(perRequest.message).toContain(
      'You do not have permission to pass this beta header: a_beta, b_beta.',
    );
    const plain = await client().customers.list({ limit: 1 }, { apiVersion: '2025-03-31.basil' });
    expect(plain.lastResponse.apiVersion).toBe('2025-03-31.basil');
  });
});
