import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rejectionOf } from '../../../test/support/write-rejection.js';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
import type { Dataset } from '../../../sandbox/data/dataset.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import { createHubSpotProtocol } from '../../../sandbox/hubspot/index.js';
import type { HubSpotEventInput, WebhookEmitter } from '../../../sandbox/webhooks/emitter.js';
import { ProviderError } from '../../transport/errors.js';
import { createHubSpotCrm, type HubSpotCrm } from '../crm.js';
import { writeRejection } from '../errors.js';
import { contactProperties } from '../mapping.js';

/** The write half of the adapter against the HubSpot simulator over real HTTP, on its own data set. */

const CREATE = 'POST /crm/v3/objects/{objectType}';
const DELETE = 'DELETE /crm/v3/objects/{objectType}/{objectId}';
const key = { idempotencyKey: 'test-key' };

let dataset: Dataset;
let counters: RequestCounters;
let sim: SimulatorServer;
let knobs: KnobBoard;
let crm: HubSpotCrm;
/** What the simulator would announce by webhook. */
const emitted: HubSpotEventInput[] = [];
const webhooks = { emitHubSpot: (events: HubSpotEventInput[]) => emitted.push(...events) };

beforeAll(async () => {
  dataset = generateDataset({ seed: 11, sizes: DEMO_SIZES, anchor: Date.UTC(2026, 10, 24) });
  counters = new RequestCounters();
  knobs = new KnobBoard();
  sim = await serveSimulator({
    protocol: createHubSpotProtocol({
      dataset,
      credentials: DEFAULT_SANDBOX_CREDENTIALS,
      webhooks: webhooks as unknown as WebhookEmitter,
    }),
    knobs,
    counters,
  });
  crm = createHubSpotCrm({
    baseUrl: sim.url,
    accessToken: DEFAULT_SANDBOX_CREDENTIALS.hubspotAccessToken,
    timeoutMs: 5_000,
  });
});

afterAll(async () => {
  await crm.close();
  await sim.close();
});

/** Asks until `read` gives a value: the simulator finishes a request its client gave up on in its own time. */
async function until<T>(read: () => Promise<T | null>): Promise<T> {
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('contactProperties', () => {
  it('sends only the fields given, clearing null ones with an empty string', () => {
    expect(contactProperties({ firstName: 'Ada', phone: null })).toEqual({ firstname: 'Ada', phone: '' });
    expect(contactProperties({})).toEqual({});
  });
});

describe('HubSpot contact writes', () => {
  it('creates a contact and reads it back whole', async () => {
    const contact = await crm.createContact(
      { firstName: 'Ada', lastName: 'Lovelace', email: 'Ada.Writes@Example.com', jobTitle: 'Analyst' },
      key,
    );
    expect(contact).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada.writes@example.com',
      jobTitle: 'Analyst',
      phone: null,
    });
    expect(contact.createdAt.getTime()).not.toBeNaN();
    const [read] = await crm.getContacts([contact.id]);
    expect(read?.email).toBe('ada.writes@example.com');
    const [byEmail] = await crm.getContactsByEmail(['ADA.WRITES@example.com']);
    expect(byEmail?.id).toBe(contact.id);
  });

  it('answers a taken email as CONFLICT with the id that holds it, and never retries the create', async () => {
    const existing = dataset.contacts[0];
    if (!existing) throw new Error('empty data set');
    counters.reset();
    const rejection = await rejectionOf(crm.createContact({ email: existing.email.toUpperCase() }, key));
    expect(rejection.reason).toBe('CONFLICT');
    expect(rejection.field).toBe('email');
    expect(rejection.existingId).toBe(existing.crmId);
    expect(counters.snapshot().byEndpoint.hubspot[CREATE]).toBe(1);
  });

  it('adopts the contact an earlier attempt of the same write made when its answer was lost', async () => {
    // One attempt, cut off before the slowed simulator answers; the simulator still creates it.
    const impatient = createHubSpotCrm({
      baseUrl: sim.url,
      accessToken: DEFAULT_SANDBOX_CREDENTIALS.hubspotAccessToken,
      timeoutMs: 100,
    });
    const email = 'lost.answer@example.com';
    const write = { idempotencyKey: 'lost-answer-key' };
    try {
      knobs.set('hubspot', { latencyMs: 500 });
      const lost = await impatient.createContact({ email, firstName: 'Lost' }, write).then(
        () => null,
        (error: unknown) => error,
      );
      expect(lost).toBeInstanceOf(ProviderError);
      expect((lost as ProviderError).code).toBe('TIMEOUT');
    } finally {
      knobs.reset();
      await impatient.close();
    }
    const made = await until(async () => (await crm.getContactsByEmail([email]))[0] ?? null);

    counters.reset();
    const retried = await crm.createContact({ email, firstName: 'Lost' }, write);
    expect(retried.id).toBe(made.id);
    expect(retried.firstName).toBe('Lost');
    expect(counters.snapshot().byEndpoint.hubspot[CREATE]).toBe(1);

    // Another write with the same email is refused: the contact is not its own.
    const other = await rejectionOf(crm.createContact({ email }, { idempotencyKey: 'another-write' }));
    expect(other.reason).toBe('CONFLICT');
    expect(other.existingId).toBe(made.id);
    expect(await crm.getContactsByEmail([email])).toHaveLength(1);
  });

  it('finds the contact a write made: by its key, or (write-key property off) by its email and creation time', async () => {
    const email = 'found.by.key@example.com';
    const write = { idempotencyKey: 'found-key' };
    const since = new Date(Date.now() - 1_000);
    expect(await crm.findCreatedContact({ email }, { ...write, since })).toBeNull();
    const made = await crm.createContact({ email }, write);
    expect(await crm.findCreatedContact({ email }, { ...write, since })).toMatchObject({ id: made.id });
    // Another write's key: the contact holding the email is not that write's.
    expect(await crm.findCreatedContact({ email }, { idempotencyKey: 'other', since })).toBeNull();

    const keyless = createHubSpotCrm({
      baseUrl: sim.url,
      accessToken: DEFAULT_SANDBOX_CREDENTIALS.hubspotAccessToken,
      timeoutMs: 5_000,
      writeKeyProperty: null,
    });
    try {
      expect(await keyless.findCreatedContact({ email }, { idempotencyKey: 'any', since })).toMatchObject({
        id: made.id,
      });
      // Made before the run began: not the run's.
      const later = new Date(Date.now() + 60_000);
      expect(await keyless.findCreatedContact({ email }, { idempotencyKey: 'any', since: later })).toBeNull();
      expect(
        await keyless.findCreatedContact({ email: 'nobody.here@example.com' }, { ...write, since }),
      ).toBeNull();
    } finally {
      await keyless.close();
    }
  });

  it('updates only the given fields, and null clears one', async () => {
    const created = await crm.createContact(
      { firstName: 'Grace', email: 'grace.writes@example.com', phone: '+1 555 0100' },
      key,
    );
    const updated = await crm.updateContact(created.id, { lastName: 'Hopper', phone: null }, key);
    expect(updated).toMatchObject({
      id: created.id,
      firstName: 'Grace',
      lastName: 'Hopper',
      phone: null,
      email: 'grace.writes@example.com',
    });
    const [read] = await crm.getContacts([created.id]);
    expect(read).toMatchObject({ lastName: 'Hopper', phone: null });
  });

  it('refuses an update to an email another contact holds, and to an unknown contact', async () => {
    const [a, b] = dataset.contacts;
    if (!a || !b) throw new Error('empty data set');
    const conflict = await rejectionOf(crm.updateContact(a.crmId, { email: b.email }, key));
    expect(conflict).toMatchObject({ reason: 'CONFLICT', field: 'email', existingId: b.crmId });
    const missing = await rejectionOf(crm.updateContact('999999999', { firstName: 'X' }, key));
    expect(missing.reason).toBe('NOT_FOUND');
    expect((await rejectionOf(crm.updateContact('not-an-id', { firstName: 'X' }, key))).reason).toBe(
      'NOT_FOUND',
    );
  });

  it('answers an unknown property as INVALID (the simulator lists it under errors[].in)', () => {
    const error = new ProviderError({
      provider: 'hubspot',
      endpoint: 'PATCH /crm/v3/objects/{objectType}/{objectId}',
      status: 400,
      code: 'REJECTED',
      retryable: false,
      providerCode: 'VALIDATION_ERROR',
      details: { property: 'jobtitle' },
    });
    expect(writeRejection(error, 'contact')).toMatchObject({ reason: 'INVALID', field: 'jobTitle' });
  });

  it('deletes a contact: it reads as null, leaves lists and search, and a second delete is fine', async () => {
    const created = await crm.createContact({ firstName: 'Temp', email: 'temp.writes@example.com' }, key);
    counters.reset();
    emitted.length = 0;
    await crm.deleteContact(created.id, key);
    await crm.deleteContact(created.id, key);
    expect(counters.snapshot().byEndpoint.hubspot[DELETE]).toBe(2);
    expect(emitted).toEqual([{ subscriptionType: 'contact.deletion', objectId: created.id }]);
    expect(await crm.getContacts([created.id])).toEqual([null]);
    expect(await crm.getContactsByEmail(['temp.writes@example.com'])).toEqual([null]);
    const found = await crm.listContacts({ limit: 10 }, { email: 'temp.writes@example.com' });
    expect(found.items).toEqual([]);
    // The email is free again.
    const again = await crm.createContact({ email: 'temp.writes@example.com' }, key);
    expect(again.id).not.toBe(created.id);
  });

  it('deletes a seeded contact without breaking reads of its deals and company', async () => {
    const deal = dataset.deals.find((d) => dataset.contacts[d.contact] !== undefined);
    const contact = deal ? dataset.contacts[deal.contact] : undefined;
    if (!deal || !contact) throw new Error('no deal with a contact');
    await crm.deleteContact(contact.crmId, key);
    const [parties] = await crm.dealParties([deal.crmId]);
    expect(parties?.contactId).not.toBe(contact.crmId);
    expect(await crm.dealIdsOfContacts([contact.crmId])).toEqual([[]]);
    const page = await crm.listDeals({ limit: 5 }, {});
    expect(page.items.length).toBeGreaterThan(0);
  });
});

describe('HubSpot deal stage', () => {
  it('moves a deal between stages, its status following the won and lost stages', async () => {
    const deal = dataset.deals[1];
    if (!deal) throw new Error('no deals');
    const won = await crm.updateDealStage(deal.crmId, 'closedwon', key);
    expect(won).toMatchObject({ id: deal.crmId, stage: 'closedwon', status: 'WON' });
    expect(won.amount?.minor).toBe(BigInt(deal.amountMinor));
    const lost = await crm.updateDealStage(deal.crmId, 'closedlost', key);
    expect(lost.status).toBe('LOST');
    const open = await crm.updateDealStage(deal.crmId, 'appointmentscheduled', key);
    expect(open.status).toBe('OPEN');
    const [read] = await crm.getDeals([deal.crmId]);
    expect(read?.stage).toBe('appointmentscheduled');
  });

  it('refuses an unknown deal and a blank stage', async () => {
    expect((await rejectionOf(crm.updateDealStage('999999999', 'closedwon', key))).reason).toBe('NOT_FOUND');
    expect(await rejectionOf(crm.updateDealStage('1', ' ', key))).toMatchObject({
      reason: 'INVALID',
      field: 'stage',
    });
  });
});
