import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readBody } from '../../support/http.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import { verifyHubSpotSignature } from '../../../datasources/hubspot/webhooks.js';
import { verifyStripeSignature } from '../../../datasources/stripe/webhooks.js';

const ANCHOR = Date.UTC(2026, 10, 24);
const STRIPE_SECRET = 'whsec_sandboxWritesTest0000000000';
const HUBSPOT_SECRET = 'hubspot-client-secret-for-tests';

interface Received {
  path: string;
  verified: boolean;
  reason?: string;
  body: unknown;
}

type Json = Record<string, unknown>;

/** A stand-in gateway: verifies each delivery with Concord's own verifiers and keeps what came in. */
async function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  let base = '';
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const path = req.url ?? '';
      const header = (name: string): string | undefined => {
        const value = req.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      const verdict =
        path === '/webhooks/stripe'
          ? verifyStripeSignature(
              header('stripe-signature'),
              raw,
              [STRIPE_SECRET],
              Math.floor(Date.now() / 1000),
            )
          : verifyHubSpotSignature(
              {
                method: req.method ?? 'POST',
                uri: `${base}${path}`,
                rawBody: raw,
                signature: header('x-hubspot-signature-v3'),
                timestamp: header('x-hubspot-request-timestamp'),
              },
              [HUBSPOT_SECRET],
              Date.now(),
            );
      received.push({
        path,
        verified: verdict.ok,
        ...(verdict.ok ? {} : { reason: verdict.reason }),
        body: JSON.parse(raw.toString('utf8')) as unknown,
      });
      res.writeHead(verdict.ok ? 200 : 400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ received: verdict.ok }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url: base, received };
}

let sandbox: RunningSandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startSandbox({
    seed: 7,
    anchor: ANCHOR,
    webhooks: {
      url: receiver.url,
      stripeSecret: STRIPE_SECRET,
      hubspotClientSecret: HUBSPOT_SECRET,
      retryDelayMs: 10,
    },
  });
});

afterAll(async () => {
  await sandbox.stop();
  await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
});

async function hubspot(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${sandbox.urls.hubspot}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${sandbox.credentials.hubspotAccessToken}`,
      'Content-Type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function stripe(method: 'GET' | 'POST', path: string, form?: Record<string, string>) {
  const res = await fetch(`${sandbox.urls.stripe}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${sandbox.credentials.stripeSecretKey}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const propsOf = (obj: Json): Record<string, string | null> => obj.properties as Record<string, string | null>;

describe('HubSpot writes', () => {
  it('creates a contact that list, get, batch read and search then show', async () => {
    const sent = { email: 'Ada.Writer@example.org', firstname: 'Ada', lastname: 'Writer', jobtitle: 'CTO' };
    const created = await hubspot('POST', '/crm/v3/objects/contacts', { properties: sent });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(propsOf(created.body)).toMatchObject({
      ...sent,
      email: 'ada.writer@example.org',
      hs_object_id: id,
    });
    expect(created.body.archived).toBe(false);

    const got = await hubspot(
      'GET',
      `/crm/v3/objects/contacts/${id}?properties=email,firstname,lastname,jobtitle`,
    );
    expect(got.status).toBe(200);
    expect(propsOf(got.body)).toMatchObject({ ...sent, email: 'ada.writer@example.org' });

    const byEmail = await hubspot('GET', '/crm/v3/objects/contacts/ada.writer@example.org?idProperty=email');
    expect(byEmail.body.id).toBe(id);

    const batch = await hubspot('POST', '/crm/v3/objects/contacts/batch/read', {
      inputs: [{ id }],
      properties: ['jobtitle'],
    });
    expect(batch.status).toBe(200);
    expect((batch.body.results as Json[]).map((r) => [r.id, propsOf(r).jobtitle])).toEqual([[id, 'CTO']]);

    const search = await hubspot('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [
        { filters: [{ propertyName: 'email', operator: 'EQ', value: 'ada.writer@example.org' }] },
      ],
    });
    expect(search.body.total).toBe(1);
    expect((search.body.results as Json[])[0]?.id).toBe(id);

    // New ids come after every seeded one, so the last list page ends with the new contact.
    let after: string | undefined;
    let last: Json | undefined;
    for (;;) {
      const page = await hubspot(
        'GET',
        `/crm/v3/objects/contacts?limit=100${after ? `&after=${after}` : ''}`,
      );
      const results = page.body.results as Json[];
      last = results[results.length - 1];
      const next = (page.body.paging as { next?: { after: string } } | undefined)?.next;
      if (!next) break;
      after = next.after;
    }
    expect(last?.id).toBe(id);
  });

  it('answers 409 CONFLICT for a second contact with the same email (any case)', async () => {
    const first = await hubspot('POST', '/crm/v3/objects/contacts', {
      properties: { email: 'dup@example.org' },
    });
    expect(first.status).toBe(201);
    const second = await hubspot('POST', '/crm/v3/objects/contacts', {
      properties: { email: 'DUP@example.org' },
    });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({
      status: 'error',
      category: 'CONFLICT',
      message: `Contact already exists. Existing ID: ${first.body.id as string}`,
    });
    expect(typeof second.body.correlationId).toBe('string');
  });

  it('patches a deal stage, visible to get and search; unknown ids and properties are refused', async () => {
    const listed = await hubspot('GET', '/crm/v3/objects/deals?limit=1');
    const deal = (listed.body.results as Json[])[0] as Json;
    const id = deal.id as string;
    const stage = propsOf(deal).dealstage === 'closedwon' ? 'closedlost' : 'closedwon';
    const patched = await hubspot('PATCH', `/crm/v3/objects/deals/${id}`, {
      properties: { dealstage: stage },
    });
    expect(patched.status).toBe(200);
    expect(propsOf(patched.body).dealstage).toBe(stage);
    expect(propsOf(patched.body).dealname).toBe(propsOf(deal).dealname);

    const got = await hubspot('GET', `/crm/v3/objects/deals/${id}?properties=dealstage`);
    expect(propsOf(got.body).dealstage).toBe(stage);
    const search = await hubspot('POST', '/crm/v3/objects/deals/search', {
      filterGroups: [
        {
          filters: [
            { propertyName: 'hs_object_id', operator: 'EQ', value: id },
            { propertyName: 'dealstage', operator: 'EQ', value: stage },
          ],
        },
      ],
    });
    expect(search.body.total).toBe(1);

    const missing = await hubspot('PATCH', '/crm/v3/objects/deals/999999999', {
      properties: { dealstage: stage },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.category).toBe('OBJECT_NOT_FOUND');
    const unknown = await hubspot('PATCH', `/crm/v3/objects/deals/${id}`, { properties: { nope: 'x' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.category).toBe('VALIDATION_ERROR');
  });
});

describe('PostHog capture', () => {
  it('accepts an event with the project token and refuses a wrong token', async () => {
    const event = {
      api_key: sandbox.posthogProjectToken,
      event: 'signed_up',
      distinct_id: 'user-123',
      properties: { plan: 'pro' },
      timestamp: '2026-11-24T10:00:00Z',
    };
    const ok = await fetch(`${sandbox.urls.posthog}/i/v0/e/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'Ok' });
    expect(sandbox.captured.at(-1)).toMatchObject({
      event: 'signed_up',
      distinctId: 'user-123',
      properties: { plan: 'pro' },
      timestamp: Date.parse('2026-11-24T10:00:00Z'),
    });

    const bad = await fetch(`${sandbox.urls.posthog}/capture/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...event, api_key: 'phc_wrong' }),
    });
    expect(bad.status).toBe(401);
  });
});

describe('outgoing signed webhooks', () => {
  it('sends one verified charge.refunded and one refund.created for a refund', async () => {
    const charges = await stripe('GET', '/v1/charges?limit=100');
    const charge = (charges.body.data as Json[]).find(
      (c) => c.status === 'succeeded' && (c.amount_refunded as number) < (c.amount as number),
    );
    expect(charge).toBeDefined();
    const refund = await stripe('POST', '/v1/refunds', { charge: charge?.id as string, amount: '1' });
    expect(refund.status).toBe(200);
    await sandbox.webhooks.settled();

    const stripeEvents = receiver.received.filter((r) => r.path === '/webhooks/stripe');
    expect(stripeEvents.every((r) => r.verified)).toBe(true);
    const refunded = stripeEvents.filter((r) => (r.body as Json).type === 'refund.created');
    expect(refunded).toHaveLength(1);
    const event = refunded[0]?.body as Json;
    expect(event).toMatchObject({
      object: 'event',
      livemode: false,
      data: { object: { id: refund.body.id } },
    });
    expect(event.id).toMatch(/^evt_/);
    const chargeEvents = stripeEvents.filter((r) => (r.body as Json).type === 'charge.refunded');
    expect(chargeEvents).toHaveLength(1);
    expect(chargeEvents[0]?.body).toMatchObject({
      data: {
        object: { id: charge?.id, amount_refunded: (charge?.amount_refunded as number) + 1 },
        previous_attributes: { amount_refunded: charge?.amount_refunded },
      },
    });
    const recorded = sandbox.webhooks.deliveries.filter((d) => d.types.includes('refund.created'));
    expect(recorded.map((d) => d.status)).toEqual([200]);
  });

  it('sends one verified contact.propertyChange batch for a contact patch', async () => {
    const listed = await hubspot('GET', '/crm/v3/objects/contacts?limit=1&properties=jobtitle');
    const contact = (listed.body.results as Json[])[0] as Json;
    const id = contact.id as string;
    const before = receiver.received.length;
    const patched = await hubspot('PATCH', `/crm/v3/objects/contacts/${id}`, {
      properties: { jobtitle: 'Head of Webhooks' },
    });
    expect(patched.status).toBe(200);
    await sandbox.webhooks.settled();

    const batches = receiver.received.slice(before).filter((r) => r.path === '/webhooks/hubspot');
    expect(batches).toHaveLength(1);
    expect(batches[0]?.verified).toBe(true);
    expect(batches[0]?.body).toEqual([
      expect.objectContaining({
        subscriptionType: 'contact.propertyChange',
        objectId: Number(id),
        propertyName: 'jobtitle',
        propertyValue: 'Head of Webhooks',
        changeSource: 'API',
        attemptNumber: 0,
      }),
    ]);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
  });
});
