import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readBody } from '../../support/http.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import { verifyStripeSignature } from '../../../datasources/stripe/webhooks.js';

const ANCHOR = Date.UTC(2026, 10, 24);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STRIPE_SECRET = 'whsec_sandboxAdminTest00000000000';
const OTHER_SECRET = 'whsec_sandboxAdminOther0000000000';

type Json = Record<string, unknown>;

interface Receiver {
  server: Server;
  url: string;
  received: { path: string; verified: boolean; body: Json }[];
}

/** A stand-in gateway that checks each Stripe delivery with Concord's verifier against `secret`. */
async function startReceiver(secret: string): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const header = req.headers['stripe-signature'];
      const verdict = verifyStripeSignature(
        Array.isArray(header) ? header[0] : header,
        raw,
        [secret],
        Math.floor(Date.now() / 1000),
      );
      received.push({
        path: req.url ?? '',
        verified: verdict.ok,
        body: JSON.parse(raw.toString('utf8')) as Json,
      });
      res.writeHead(verdict.ok ? 200 : 400, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const closeReceiver = (r: Receiver) => new Promise<void>((resolve) => r.server.close(() => resolve()));

let sandbox: RunningSandbox;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver(STRIPE_SECRET);
  sandbox = await startSandbox({
    seed: 7,
    anchor: ANCHOR,
    webhooks: { url: receiver.url, stripeSecret: STRIPE_SECRET, retryDelayMs: 10 },
  });
});

afterAll(async () => {
  await sandbox.stop();
  await closeReceiver(receiver);
});

async function stripe(path: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${sandbox.urls.stripe}${path}`, {
    headers: { Authorization: `Bearer ${sandbox.credentials.stripeSecretKey}` },
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function adminCharge(body: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${sandbox.urls.stripe}/__sandbox/charges`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

/** A seeded customer with at least one seeded charge. */
async function payingCustomer(): Promise<string> {
  const charges = await stripe('/v1/charges?limit=1');
  return (charges.body.data as Json[])[0]?.customer as string;
}

describe('Stripe admin charges (POST /__sandbox/charges)', () => {
  it('creates a charge that list, retrieve and search show, announced by a signed charge.succeeded', async () => {
    const customer = await payingCustomer();
    const query = encodeURIComponent(`customer:'${customer}'`);
    // Searched once before the write, so a cached result would be stale after it.
    const before = await stripe(`/v1/charges/search?query=${query}&limit=100`);
    const seeded = (before.body.data as Json[])[0] as Json;
    const deliveriesBefore = receiver.received.length;

    const created = await adminCharge({ customer, amount: 4200, description: 'Dashboard charge' });
    expect(created.status).toBe(200);
    const charge = created.body;
    expect(charge).toMatchObject({
      object: 'charge',
      customer,
      amount: 4200,
      amount_captured: 4200,
      currency: 'usd',
      status: 'succeeded',
      paid: true,
      description: 'Dashboard charge',
      failure_code: null,
    });
    expect(charge.id).toMatch(/^ch_/);
    expect(Math.abs((charge.created as number) - Date.now() / 1000)).toBeLessThan(60);
    // Same shape as every seeded charge (which the shapes test holds to Stripe's fixture).
    expect(Object.keys(charge).sort()).toEqual(Object.keys(seeded).sort());
    // The customer's card, as on their newest seeded charge.
    expect((charge.payment_method_details as { card: Json }).card.last4).toBe(
      (seeded.payment_method_details as { card: Json }).card.last4,
    );

    const listed = await stripe(`/v1/charges?customer=${customer}&limit=100`);
    expect((listed.body.data as Json[])[0]?.id).toBe(charge.id);
    const newest = await stripe('/v1/charges?limit=1');
    expect((newest.body.data as Json[])[0]?.id).toBe(charge.id);
    const retrieved = await stripe(`/v1/charges/${charge.id as string}`);
    expect(retrieved.status).toBe(200);
    expect(retrieved.body).toEqual(charge);
    const after = await stripe(`/v1/charges/search?query=${query}&limit=100`);
    expect((after.body.data as Json[]).length).toBe((before.body.data as Json[]).length + 1);
    expect((after.body.data as Json[]).map((c) => c.id)).toContain(charge.id);

    await sandbox.webhooks.settled();
    const events = receiver.received.slice(deliveriesBefore);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      path: '/webhooks/stripe',
      verified: true,
      body: { object: 'event', type: 'charge.succeeded', data: { object: charge } },
    });
  });

  it('creates a declined charge as charge.failed with card_declined', async () => {
    const customer = await payingCustomer();
    const deliveriesBefore = receiver.received.length;
    const created = await adminCharge({ customer, amount: 999, currency: 'eur', status: 'failed' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      status: 'failed',
      currency: 'eur',
      paid: false,
      captured: false,
      amount_captured: 0,
      failure_code: 'card_declined',
      balance_transaction: null,
    });
    await sandbox.webhooks.settled();
    const events = receiver.received.slice(deliveriesBefore);
    expect(events.map((e) => [e.body.type, e.verified])).toEqual([['charge.failed', true]]);
    // A failed charge cannot be refunded, as at Stripe.
    const refund = await fetch(`${sandbox.urls.stripe}/v1/refunds`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${sandbox.credentials.stripeSecretKey}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ payment_intent: created.body.payment_intent as string }).toString(),
    });
    expect(refund.status).toBe(400);
    expect(((await refund.json()) as { error: Json }).error.code).toBe('charge_not_refundable');
  });

  it('answers 400 for an unknown customer or a bad amount, and announces nothing', async () => {
    const customer = await payingCustomer();
    const deliveriesBefore = sandbox.webhooks.deliveries.length;
    for (const body of [
      { customer: 'cus_doesNotExist', amount: 100 },
      { customer, amount: 0 },
      { customer, amount: 12.5 },
      { customer, amount: '100' },
      { customer },
      { customer, amount: 100, currency: 'xyz' },
      { customer, amount: 100, status: 'pending' },
    ]) {
      const res = await adminCharge(body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      expect(typeof res.body.error).toBe('string');
    }
    await sandbox.webhooks.settled();
    expect(sandbox.webhooks.deliveries).toHaveLength(deliveriesBefore);
  });

  it('is also sandbox.stripe.createCharge(), whose charge a refund by payment_intent can find', async () => {
    const customer = await payingCustomer();
    const charge = sandbox.stripe.createCharge({ customer, amount: 2500 });
    const retrieved = await stripe(`/v1/charges/${charge.id as string}`);
    expect(retrieved.body).toEqual(charge);
    const refund = await fetch(`${sandbox.urls.stripe}/v1/refunds`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${sandbox.credentials.stripeSecretKey}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ payment_intent: charge.payment_intent as string }).toString(),
    });
    expect(refund.status).toBe(200);
    expect(((await refund.json()) as Json).amount).toBe(2500);
    expect(() => sandbox.stripe.createCharge({ customer: 'cus_nope', amount: 1 })).toThrow(
      /no such customer/,
    );
    expect(() => sandbox.stripe.createCharge({ customer, amount: -5 })).toThrow(/amount/);
    await sandbox.webhooks.settled();
  });
});

describe('WebhookEmitter.configure()', () => {
  it('turns webhooks on after start and points them at a new receiver', async () => {
    const other = await startReceiver(OTHER_SECRET);
    const quiet = await startSandbox({ dataset: sandbox.dataset });
    try {
      expect(quiet.webhooks.stripeEnabled).toBe(false);
      const customer = (quiet.stripe.createCharge({ customer: await payingCustomer(), amount: 100 })
        .customer ?? '') as string;
      await quiet.webhooks.settled();
      expect(quiet.webhooks.deliveries).toHaveLength(0);

      quiet.webhooks.configure({ url: other.url, stripeSecret: OTHER_SECRET, retryDelayMs: 10 });
      expect(quiet.webhooks.stripeEnabled).toBe(true);
      expect(quiet.webhooks.hubspotEnabled).toBe(false);
      const charge = quiet.stripe.createCharge({ customer, amount: 200 });
      await quiet.webhooks.settled();
      expect(other.received).toHaveLength(1);
      expect(other.received[0]).toMatchObject({
        path: '/webhooks/stripe',
        verified: true,
        body: { type: 'charge.succeeded', data: { object: { id: charge.id } } },
      });

      quiet.webhooks.configure({ hubspotClientSecret: 'hubspot-secret' });
      expect(quiet.webhooks.hubspotEnabled).toBe(true);
      expect(quiet.webhooks.stripeEnabled).toBe(true);
      quiet.webhooks.configure({ url: undefined });
      expect(quiet.webhooks.stripeEnabled).toBe(false);
      expect(quiet.webhooks.hubspotEnabled).toBe(false);
    } finally {
      await quiet.stop();
      await closeReceiver(other);
    }
  });

  it('redirects a running sandbox from one receiver to another', async () => {
    const other = await startReceiver(OTHER_SECRET);
    try {
      const customer = await payingCustomer();
      const firstBefore = receiver.received.length;
      sandbox.webhooks.configure({ url: other.url, stripeSecret: OTHER_SECRET });
      const charge = sandbox.stripe.createCharge({ customer, amount: 300 });
      await sandbox.webhooks.settled();
      expect(receiver.received).toHaveLength(firstBefore);
      expect(other.received.map((r) => [r.body.type, r.verified, (r.body.data as Json).object])).toEqual([
        ['charge.succeeded', true, charge],
      ]);
    } finally {
      sandbox.webhooks.configure({ url: receiver.url, stripeSecret: STRIPE_SECRET });
      await closeReceiver(other);
    }
  });
});

describe('PostHog capture into the Query API', () => {
  const PROJECT = 1;

  async function capture(body: Json): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${sandbox.urls.posthog}/i/v0/e/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: sandbox.posthogProjectToken, ...body }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function posthog(path: string, body?: unknown): Promise<Json> {
    const res = await fetch(`${sandbox.urls.posthog}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        Authorization: `Bearer ${sandbox.credentials.posthogApiKey}`,
        'Content-Type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Json;
    if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  const hogql = async (query: string, values?: Json): Promise<unknown[][]> =>
    (
      await posthog(`/api/projects/${PROJECT}/query/`, {
        query: { kind: 'HogQLQuery', query, ...(values ? { values } : {}) },
      })
    ).results as unknown[][];

  /** A seeded person with events in the last week before the anchor, and their seeded event count there. */
  function activePerson(): { distinctId: string; personUuid: string; seededInWeek: number } {
    const { events, persons, contacts } = sandbox.dataset;
    const counts = new Map<number, number>();
    for (let row = 0; row < events.count; row++) {
      const t = events.timestamp[row] as number;
      if (t >= ANCHOR - 7 * DAY && t < ANCHOR) {
        const p = events.person[row] as number;
        counts.set(p, (counts.get(p) ?? 0) + 1);
      }
    }
    const [person, seededInWeek] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] as [number, number];
    const record = persons[person] as (typeof persons)[number];
    return {
      distinctId: (contacts[record.contact] as { crmId: string }).crmId,
      personUuid: record.uuid,
      seededInWeek,
    };
  }

  it('stores an event once per uuid, answering {status: "Ok"} to the repeat', async () => {
    const uuid = '0190a3a1-7c00-7000-8000-00000000d0d0';
    const event = { event: 'dedupe_me', distinct_id: 'dedupe-user', uuid, timestamp: '2026-11-23T12:00:00Z' };
    expect(await capture(event)).toEqual({ status: 200, body: { status: 'Ok' } });
    expect(await capture({ ...event, properties: { second: true } })).toEqual({
      status: 200,
      body: { status: 'Ok' },
    });
    expect(sandbox.captured.filter((e) => e.uuid === uuid)).toHaveLength(1);
    expect(sandbox.captured.find((e) => e.uuid === uuid)?.properties).toEqual({});
    expect(await hogql(`SELECT count() FROM events WHERE event = 'dedupe_me'`)).toEqual([[1]]);
  });

  it("shows a captured event in HogQL queries by person and time, merged into the person's timeline", async () => {
    const { distinctId, personUuid, seededInWeek } = activePerson();
    const since = new Date(ANCHOR - 7 * DAY).toISOString();
    const until = new Date(ANCHOR).toISOString();
    const week = `timestamp >= toDateTime('${since}') AND timestamp < toDateTime('${until}')`;
    expect(
      await hogql(`SELECT count() FROM events WHERE distinct_id = {id} AND ${week}`, { id: distinctId }),
    ).toEqual([[seededInWeek]]);

    const uuid = '0190a3a1-7c00-7000-8000-00000000c0de';
    const at = ANCHOR - 2 * DAY - 3 * HOUR;
    const sent = await capture({
      event: 'invoice_viewed',
      distinct_id: distinctId,
      uuid,
      timestamp: new Date(at).toISOString(),
      properties: { invoice: 'in_123', amount: 4200, paid: false },
    });
    expect(sent.body).toEqual({ status: 'Ok' });
    // Outside the week: must not be counted.
    await capture({
      event: 'invoice_viewed',
      distinct_id: distinctId,
      timestamp: new Date(ANCHOR - 30 * DAY).toISOString(),
    });

    expect(
      await hogql(`SELECT count() FROM events WHERE distinct_id = {id} AND ${week}`, { id: distinctId }),
    ).toEqual([[seededInWeek + 1]]);
    expect(
      await hogql(`SELECT count() FROM events WHERE distinct_id IN {ids} AND ${week}`, {
        ids: [distinctId, 'someone-else'],
      }),
    ).toEqual([[seededInWeek + 1]]);
    // Without a person filter (the time-range scan), too.
    expect(await hogql(`SELECT count() FROM events WHERE event = 'invoice_viewed' AND ${week}`)).toEqual([
      [1],
    ]);

    const rows = await hogql(
      `SELECT uuid, event, timestamp, distinct_id, person_id, properties.invoice, properties.amount, properties.paid, person.properties.email ` +
        `FROM events WHERE distinct_id = {id} AND event = 'invoice_viewed' AND ${week}`,
      { id: distinctId },
    );
    const email = sandbox.dataset.contacts.find((c) => c.crmId === distinctId)?.email;
    expect(rows).toEqual([
      [
        uuid,
        'invoice_viewed',
        new Date(at).toISOString().replace('.000Z', 'Z'),
        distinctId,
        personUuid,
        'in_123',
        '4200',
        'false',
        email,
      ],
    ]);

    // Without ORDER BY rows come in time order, the captured event among the seeded ones.
    const timeline = (await hogql(
      `SELECT timestamp, uuid FROM events WHERE distinct_id = {id} AND ${week} LIMIT 1000`,
      {
        id: distinctId,
      },
    )) as [string, string][];
    const times = timeline.map(([t]) => Date.parse(t));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(timeline.map(([, u]) => u)).toContain(uuid);
    const ordered = await hogql(
      `SELECT uuid FROM events WHERE distinct_id = {id} AND timestamp < toDateTime('${until}') ORDER BY timestamp DESC LIMIT 500`,
      { id: distinctId },
    );
    const position = ordered.findIndex(([u]) => u === uuid);
    expect(position).toBeGreaterThanOrEqual(0);
    expect(ordered.slice(0, position).every(([u]) => u !== uuid)).toBe(true);

    // The (deprecated) events list shows it as well.
    const list = await posthog(
      `/api/projects/${PROJECT}/events/?distinct_id=${distinctId}&event=invoice_viewed&after=${since}`,
    );
    expect(list.results).toEqual([
      expect.objectContaining({
        id: uuid,
        distinct_id: distinctId,
        event: 'invoice_viewed',
        properties: { invoice: 'in_123', amount: 4200, paid: false },
      }),
    ]);
  });
});
