import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
import type { Dataset } from '../../../sandbox/data/dataset.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import { createStripeProtocol } from '../../../sandbox/stripe/index.js';

/** Wire-level details the official library hides: headers, exact error bodies, Basic auth, form posts. */

const KEY = DEFAULT_SANDBOX_CREDENTIALS.stripeSecretKey;
type Json = Record<string, unknown>;
interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

let dataset: Dataset;
let server: SimulatorServer;

async function call(
  path: string,
  init: { method?: string; auth?: string | null; form?: string; key?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (init.auth !== null) headers.Authorization = init.auth ?? `Bearer ${KEY}`;
  if (init.form !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  if (init.key !== undefined) headers['Idempotency-Key'] = init.key;
  const res = await fetch(server.url + path, {
    method: init.method ?? (init.form !== undefined ? 'POST' : 'GET'),
    headers,
    ...(init.form !== undefined ? { body: init.form } : {}),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json } satisfies Answer;
}

const errorOf = (answer: Answer): Json => answer.body.error as Json;

beforeAll(async () => {
  dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: Date.UTC(2026, 10, 24) });
  server = await serveSimulator({
    protocol: createStripeProtocol({ dataset, credentials: DEFAULT_SANDBOX_CREDENTIALS }),
    knobs: new KnobBoard(),
    counters: new RequestCounters(),
  });
});

afterAll(async () => {
  await server.close();
});

describe('Stripe simulator on the wire', () => {
  it('accepts the key as a Basic user name and refuses a missing key', async () => {
    const basic = await call('/v1/customers?limit=1', {
      auth: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`,
    });
    expect(basic.status).toBe(200);
    const missing = await call('/v1/customers', { auth: null });
    expect(missing.status).toBe(401);
    expect(errorOf(missing)).toMatchObject({
      type: 'invalid_request_error',
      message: expect.stringMatching(/^You did not provide an API key/),
    });
  });

  it('sends a Request-Id on every answer and links it from error bodies', async () => {
    const answers = [
      await call('/v1/charges?limit=1'),
      await call('/v1/nothing/here'),
      await call('/v1/x', { auth: null }),
    ];
    const ids = answers.map((a) => a.headers.get('request-id'));
    for (const id of ids) expect(id).toMatch(/^req_[A-Za-z0-9]{14}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(errorOf(answers[1] as Answer).request_log_url).toBe(
      `https://dashboard.stripe.com/test/logs/${ids[1]}`,
    );
  });

  it("answers an unknown URL with Stripe's 404", async () => {
    const answer = await call('/v1/x');
    expect(answer.status).toBe(404);
    expect(errorOf(answer)).toMatchObject({
      type: 'invalid_request_error',
      message: expect.stringMatching(/^Unrecognized request URL \(GET: \/v1\/x\)\./),
    });
  });

  it('names the parameter in every validation error', async () => {
    const cases: [string, string, string | undefined][] = [
      ['/v1/customers?limit=abc', 'limit', 'parameter_invalid_integer'],
      ['/v1/charges?created[gte]=soon', 'created[gte]', 'parameter_invalid_integer'],
      ['/v1/charges?created[after]=1', 'created[after]', 'parameter_unknown'],
      ['/v1/invoices?status=late', 'status', 'parameter_invalid_string'],
      ['/v1/charges/search', 'query', 'parameter_missing'],
      [`/v1/charges/search?query=${'a'.repeat(5001)}`, 'query', 'parameter_invalid_string_too_long'],
      ['/v1/charges?expand[]=customer', 'expand', undefined],
      ['/v1/customers?starting_after=a&ending_before=b', 'ending_before', undefined],
    ];
    for (const [path, param, code] of cases) {
      const answer = await call(path);
      expect({
        path,
        status: answer.status,
        param: errorOf(answer).param,
        code: errorOf(answer).code,
      }).toEqual({
        path,
        status: 400,
        param,
        code,
      });
    }
  });

  it('answers a missing object with 404 resource_missing on param id', async () => {
    const answer = await call('/v1/invoices/in_nope');
    expect(answer.status).toBe(404);
    expect(errorOf(answer)).toMatchObject({
      code: 'resource_missing',
      param: 'id',
      message: "No such invoice: 'in_nope'",
    });
  });

  it('refuses search queries it cannot answer exactly', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `amount>${i}`).join(' OR ');
    for (const query of [eleven, "status:'a' OR status:'b' AND amount>1", "(status:'failed')", "name:'x'"]) {
      const answer = await call(`/v1/charges/search?query=${encodeURIComponent(query)}`);
      expect(answer.status).toBe(400);
      expect(errorOf(answer)).toMatchObject({ type: 'invalid_request_error', param: 'query' });
    }
  });

  it('expands subscription references on retrieve', async () => {
    const sub = dataset.subscriptions[0];
    if (!sub) throw new Error('dataset too small');
    const answer = await call(`/v1/subscriptions/${sub.stripeId}?expand[]=customer&expand[]=latest_invoice`);
    expect(answer.body.customer).toMatchObject({
      object: 'customer',
      id: dataset.customers[sub.customer]?.stripeId,
    });
    expect(answer.body.latest_invoice).toMatchObject({ object: 'invoice', subscription: sub.stripeId });
  });

  it('does not store validation failures under an idempotency key, and replays what it stored', async () => {
    const refused = await call('/v1/customers', { form: 'email=a%40b.io&colour=red', key: 'wire-1' });
    expect(refused.status).toBe(400);
    const created = await call('/v1/customers', {
      form: 'email=a%40b.io&metadata[crm_contact_id]=7',
      key: 'wire-1',
    });
    expect(created.status).toBe(200);
    expect(created.headers.get('idempotent-replayed')).toBeNull();
    const replayed = await call('/v1/customers', {
      form: 'email=a%40b.io&metadata[crm_contact_id]=7',
      key: 'wire-1',
    });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body).toEqual(created.body);
    expect(replayed.headers.get('request-id')).not.toBe(created.headers.get('request-id'));

    const otherEndpoint = await call('/v1/refunds', { form: 'charge=ch_any', key: 'wire-1' });
    expect(otherEndpoint.status).toBe(400);
    expect(errorOf(otherEndpoint).type).toBe('idempotency_error');

    const otherParams = await call('/v1/customers', {
      form: 'email=a%40b.io',
      key: 'wire-1',
      auth: `Bearer ${KEY}`,
    });
    expect(errorOf(otherParams).type).toBe('idempotency_error');
  });

  it('refuses a malformed email on create', async () => {
    const answer = await call('/v1/customers', { form: 'email=not-an-email' });
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toMatchObject({ code: 'email_invalid', param: 'email' });
  });
});
