import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Stripe from 'stripe';
import type { Concord } from '../../../src/app.js';
import { postQuery, startTestConcord } from '../../support/stack.js';

const STRIPE_SECRET = 'whsec_test_current_0123456789';
const STRIPE_OLD_SECRET = 'whsec_test_previous_0123456789';
const HUBSPOT_SECRET = 'hubspot-client-secret-0123456789';
// The official library makes the signature header, so the test does not share our verifier's reading.
const stripe = new Stripe('sk_test_unused');

function origin(concord: Concord): string {
  return concord.gateway.url.replace(/\/graphql$/, '');
}

function stripeHeader(
  payload: string,
  secret = STRIPE_SECRET,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  return stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

async function postStripe(concord: Concord, payload: string, signature: string) {
  const res = await fetch(`${origin(concord)}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function hubspotHeaders(concord: Concord, body: string, secret = HUBSPOT_SECRET, timestamp = Date.now()) {
  const uri = `${origin(concord)}/webhooks/hubspot`;
  const signature = createHmac('sha256', secret).update(`POST${uri}${body}${timestamp}`).digest('base64');
  return {
    'content-type': 'application/json',
    'x-hubspot-signature-v3': signature,
    'x-hubspot-request-timestamp': String(timestamp),
  };
}

describe('signed provider webhooks', () => {
  let concord: Concord;
  let contact: { crmId: string; email: string };
  let customerId: string;
  let chargeId: string;
  const query =
    'query ($email: String!) { customer(email: $email) { name payments(first: 3) { edges { node { id } } } } }';

  const calls = () =>
    concord.connected.sandbox?.counters.snapshot().total ?? { hubspot: -1, stripe: -1, posthog: -1 };
  async function warmQuery() {
    concord.connected.sandbox?.counters.reset();
    const res = await postQuery(concord.gateway, query, { email: contact.email });
    expect(res.errors).toBeUndefined();
    return calls();
  }

  beforeAll(async () => {
    concord = await startTestConcord({
      STRIPE_WEBHOOK_SECRETS: STRIPE_SECRET,
      HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
    });
    const dataset = concord.connected.sandbox?.dataset;
    const customer = dataset?.customers[0];
    const record = dataset?.contacts[customer?.contact ?? 0];
    contact = { crmId: record?.crmId as string, email: record?.email as string };
    customerId = customer?.stripeId as string;
    chargeId = dataset?.charges.find((c) => c.customer === 0)?.stripeId as string;
    await postQuery(concord.gateway, query, { email: contact.email });
  });
  afterAll(async () => {
    await concord.stop();
  });

  const refundEvent = (id: string) =>
    JSON.stringify({
      id,
      object: 'event',
      type: 'charge.refunded',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: chargeId, object: 'charge', customer: customerId } },
    });

  it('invalidates what a verified Stripe event names, and only that', async () => {
    expect(await warmQuery()).toEqual({ hubspot: 0, stripe: 0, posthog: 0, salesforce: 0 });
    const payload = refundEvent('evt_test_1');
    const res = await postStripe(concord, payload, stripeHeader(payload));
    expect(res).toEqual({ status: 200, body: { received: true, invalidated: 1 } });
    const after = await warmQuery();
    expect(after.stripe).toBeGreaterThan(0);
    expect(after.hubspot).toBe(0);
  });

  it('acknowledges a replayed event and changes nothing', async () => {
    await warmQuery();
    const payload = refundEvent('evt_test_1');
    const res = await postStripe(concord, payload, stripeHeader(payload));
    expect(res).toEqual({ status: 200, body: { received: true, replay: true } });
    expect(await warmQuery()).toEqual({ hubspot: 0, stripe: 0, posthog: 0, salesforce: 0 });
  });

  it.each([
    ['a wrong secret', (p: string) => stripeHeader(p, 'whsec_wrong_secret_000000')],
    ['a stale timestamp', (p: string) => stripeHeader(p, STRIPE_SECRET, Math.floor(Date.now() / 1000) - 400)],
    ['a tampered body', (p: string) => stripeHeader(p.replace('charge.refunded', 'charge.updated'))],
    ['no v1 signature', () => `t=${Math.floor(Date.now() / 1000)},v0=abc`],
  ])('refuses %s with 400 and invalidates nothing', async (_name, sign) => {
    await warmQuery();
    const payload = refundEvent(`evt_refused_${Math.random()}`);
    const res = await postStripe(concord, payload, sign(payload));
    expect(res.status).toBe(400);
    expect(await warmQuery()).toEqual({ hubspot: 0, stripe: 0, posthog: 0, salesforce: 0 });
  });

  it('accepts an event signed during a secret rotation (several v1 values, one of them ours)', async () => {
    const payload = refundEvent('evt_rotation');
    const t = Math.floor(Date.now() / 1000);
    const old = stripeHeader(payload, STRIPE_OLD_SECRET, t).split(',')[1];
    const current = stripeHeader(payload, STRIPE_SECRET, t).split(',')[1];
    const res = await postStripe(concord, payload, `t=${t},${old},${current}`);
    expect(res.status).toBe(200);
  });

  it('invalidates a contact on a verified HubSpot event, and refuses bad or stale signatures', async () => {
    const event = (eventId: number) =>
      JSON.stringify([
        {
          eventId,
          subscriptionType: 'contact.propertyChange',
          objectId: Number(contact.crmId),
          occurredAt: Date.now(),
        },
      ]);
    const send = (body: string, headers: Record<string, string>) =>
      fetch(`${origin(concord)}/webhooks/hubspot`, { method: 'POST', headers, body });

    await warmQuery();
    const stale = event(11);
    expect(
      (await send(stale, hubspotHeaders(concord, stale, HUBSPOT_SECRET, Date.now() - 6 * 60_000))).status,
    ).toBe(400);
    expect((await send(stale, hubspotHeaders(concord, stale, 'not-the-secret-000000'))).status).toBe(400);
    const tampered = hubspotHeaders(concord, stale);
    expect((await send(stale.replace('propertyChange', 'deletion'), tampered)).status).toBe(400);
    expect(await warmQuery()).toEqual({ hubspot: 0, stripe: 0, posthog: 0, salesforce: 0 });

    const good = event(12);
    const res = await send(good, hubspotHeaders(concord, good));
    expect(await res.json()).toEqual({ received: true, invalidated: 1 });
    expect((await warmQuery()).hubspot).toBeGreaterThan(0);
    const replay = await send(good, hubspotHeaders(concord, good));
    expect(await replay.json()).toEqual({ received: true, replay: true });
    expect((await warmQuery()).hubspot).toBe(0);
  });
});

describe('webhook timestamps at the edges of the tolerance, on a fixed clock', () => {
  // The gateway's verifiers read this clock, so an edge is exactly the edge, however slow the machine.
  const NOW_MS = Date.UTC(2026, 10, 24, 12, 0, 0);
  const NOW_S = NOW_MS / 1000;
  let concord: Concord;

  beforeAll(async () => {
    concord = await startTestConcord(
      { STRIPE_WEBHOOK_SECRETS: STRIPE_SECRET, HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET },
      { clock: () => NOW_MS },
    );
  });
  afterAll(async () => {
    await concord.stop();
  });

  let n = 0;
  const stripeEvent = () =>
    JSON.stringify({
      id: `evt_edge_${++n}`,
      object: 'event',
      type: 'customer.updated',
      data: { object: { id: 'cus_edge', object: 'customer', metadata: {} } },
    });
  const hubspotEvent = () =>
    JSON.stringify([{ eventId: 9000 + ++n, subscriptionType: 'contact.propertyChange', objectId: 1 }]);

  it.each([
    ['300 s old (the edge)', -300, 200],
    ['301 s old', -301, 400],
    ['300 s in the future (the edge)', 300, 200],
    ['301 s in the future', 301, 400],
    ['a year in the future', 365 * 86_400, 400],
  ])('Stripe: a signature %s (%i s) answers %i', async (_name, offsetS, status) => {
    const payload = stripeEvent();
    const res = await postStripe(concord, payload, stripeHeader(payload, STRIPE_SECRET, NOW_S + offsetS));
    expect(res.status).toBe(status);
    if (status === 400)
      expect(res.body).toEqual({ error: 'invalid webhook', reason: 'timestamp outside the tolerance' });
  });

  it.each([
    ['five minutes old (the edge)', -300_000, 200],
    ['five minutes and 1 ms old', -300_001, 400],
    ['five minutes in the future (the edge)', 300_000, 200],
    ['five minutes and 1 ms in the future', 300_001, 400],
    ['a day in the future', 86_400_000, 400],
  ])('HubSpot: a signature %s (%i ms) answers %i', async (_name, offsetMs, status) => {
    const body = hubspotEvent();
    const res = await fetch(`${origin(concord)}/webhooks/hubspot`, {
      method: 'POST',
      headers: hubspotHeaders(concord, body, HUBSPOT_SECRET, NOW_MS + offsetMs),
      body,
    });
    expect(res.status).toBe(status);
  });
});

describe('webhook abuse', () => {
  let concord: Concord;

  beforeAll(async () => {
    concord = await startTestConcord({
      STRIPE_WEBHOOK_SECRETS: STRIPE_SECRET,
      HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
    });
  });
  afterAll(async () => {
    await concord.stop();
  });

  async function postHubSpot(body: string) {
    const res = await fetch(`${origin(concord)}/webhooks/hubspot`, {
      method: 'POST',
      headers: hubspotHeaders(concord, body),
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('refuses correctly signed bodies that are not events with 400, not 500, and changes nothing', async () => {
    for (const body of [
      '[null]',
      '[]',
      '{}',
      '[{"eventId":1}]',
      '[{"subscriptionType":"contact.creation"}]',
      'null',
    ]) {
      expect(await postHubSpot(body)).toEqual({
        status: 400,
        body: { error: 'invalid webhook', reason: 'not a HubSpot event batch' },
      });
    }
    for (const payload of [
      'null',
      '[]',
      '{"id":"evt_1"}',
      '{"id":"evt_2","type":"charge.refunded","data":null}',
    ]) {
      expect(await postStripe(concord, payload, stripeHeader(payload))).toEqual({
        status: 400,
        body: { error: 'invalid webhook', reason: 'not a Stripe event' },
      });
    }
    // A known shape with an event type Concord does not use is acknowledged and ignored.
    expect(
      await postHubSpot(JSON.stringify([{ eventId: 77, subscriptionType: 'ticket.creation', objectId: 5 }])),
    ).toEqual({ status: 200, body: { received: true, invalidated: 0 } });
  });
});

describe('webhook bodies and rates, bounded before the signature check', () => {
  let concord: Concord;

  beforeAll(async () => {
    concord = await startTestConcord({
      STRIPE_WEBHOOK_SECRETS: STRIPE_SECRET,
      HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
      WEBHOOK_RATE_LIMIT: '4/60s',
    });
  });
  afterAll(async () => {
    await concord.stop();
  });

  it('refuses a body over WEBHOOK_MAX_BODY_BYTES with 413, then a source over WEBHOOK_RATE_LIMIT with 429', async () => {
    const big = JSON.stringify({
      id: 'evt_big',
      type: 'charge.refunded',
      data: { object: { pad: 'x'.repeat(300 * 1024) } },
    });
    const tooBig = await postStripe(concord, big, stripeHeader(big));
    expect(tooBig).toEqual({
      status: 413,
      body: { error: 'invalid webhook', reason: 'body larger than 262144 bytes' },
    });
    // Three more unsigned posts use up the address's four; the fifth, even correctly signed, waits.
    for (let i = 0; i < 3; i++) expect((await postStripe(concord, '{}', 't=1,v1=00')).status).toBe(400);
    const payload = JSON.stringify({
      id: 'evt_late',
      type: 'customer.updated',
      data: { object: { id: 'cus_1' } },
    });
    const res = await fetch(`${origin(concord)}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': stripeHeader(payload) },
      body: payload,
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await res.json()) as { errors: Array<{ extensions: unknown }> }).errors[0]?.extensions).toEqual({
      code: 'RATE_LIMITED',
      retryAfterSeconds: Number(res.headers.get('retry-after')),
    });
    // GraphQL and health from the same address are not affected.
    expect((await fetch(`${origin(concord)}/healthz`)).status).toBe(200);
    const query = await postQuery(concord.gateway, '{ providers { name } }');
    expect(query.errors).toBeUndefined();
  });
});
