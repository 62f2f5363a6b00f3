import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import {
  WriteRejectedError,
  type AccountInput,
  type Contact,
  type ContactChanges,
  type CrmWriter,
  type PaymentsWriter,
} from '../../../datasources/model.js';
import { Compensator } from '../compensator.js';
import type { Compensation } from '../compensation.js';
import { MemoryLeases } from '../leases.js';
import { MemoryLedger } from '../ledger.js';
import type { Progress } from '../resume.js';
import type { CompensationSettings } from '../settings.js';

const SETTINGS: CompensationSettings = {
  deadlineMs: 1_000,
  retries: 0,
  retryBaseMs: 1,
  retryMaxMs: 1,
  waitMs: 1_000,
  sweepIntervalMs: 60_000,
  leaseMs: 1_000,
};

const UNDO: Compensation = {
  what: 'The customer was not created',
  step: { kind: 'delete-contact', contactId: '101' },
  writeKey: 'concord-test-delete-contact-undo',
  failure: { kind: 'other' },
  requestId: 'req-1',
};

type NamedCrm = CrmWriter & { readonly name: string };

/** A CRM whose deletes fail while `down`, and that remembers what it deleted. */
function crm() {
  const state = { down: true, deleted: [] as string[] };
  const writer: NamedCrm = {
    name: 'crm',
    createContact: () => Promise.reject(new Error('not in this test')),
    findCreatedContact: () => Promise.reject(new Error('not in this test')),
    updateContact: () => Promise.reject(new Error('not in this test')),
    updateDealStage: () => Promise.reject(new Error('not in this test')),
    deleteContact: (id: string) => {
      if (state.down) return Promise.reject(new Error('CRM down'));
      state.deleted.push(id);
      return Promise.resolve();
    },
  };
  return { state, writer };
}

/** A CRM that makes contacts (one per write key) and a payments provider that makes accounts, both remembering. */
function providers() {
  const state = {
    crmDown: false,
    paymentsDown: false,
    paymentsRefuse: false,
    contacts: new Map<string, { id: string; changes: ContactChanges }>(),
    deleted: [] as string[],
    accounts: [] as Array<{ input: AccountInput; key: string }>,
  };
  const contactOf = ({ id, changes }: { id: string; changes: ContactChanges }): Contact => ({
    id,
    email: changes.email ?? null,
    firstName: changes.firstName ?? null,
    lastName: changes.lastName ?? null,
    phone: null,
    jobTitle: null,
    lifecycleStage: null,
    companyId: null,
    createdAt: new Date(0),
    updatedAt: null,
    ref: { domain: 'CRM', provider: 'crm', externalId: id, url: null },
  });
  const crmWriter: NamedCrm = {
    name: 'crm',
    createContact: (changes, { idempotencyKey }) => {
      const made = state.contacts.get(idempotencyKey) ?? { id: String(200 + state.contacts.size), changes };
      state.contacts.set(idempotencyKey, made);
      return Promise.resolve(contactOf(made));
    },
    findCreatedContact: (_changes, { idempotencyKey }) => {
      if (state.crmDown) return Promise.reject(new Error('CRM down'));
      const made = state.contacts.get(idempotencyKey);
      return Promise.resolve(made ? contactOf(made) : null);
    },
    updateContact: () => Promise.reject(new Error('not in this test')),
    updateDealStage: () => Promise.reject(new Error('not in this test')),
    deleteContact: (id: string) => {
      state.deleted.push(id);
      return Promise.resolve();
    },
  };
  const paymentsWriter: PaymentsWriter = {
    createAccount: (input, { idempotencyKey }) => {
      if (state.paymentsRefuse) return Promise.reject(new WriteRejectedError('INVALID', 'refused'));
      if (state.paymentsDown) return Promise.reject(new Error('payments down'));
      if (!state.accounts.some((a) => a.key === idempotencyKey))
        state.accounts.push({ input, key: idempotencyKey });
      return Promise.resolve({
        id: 'cus_1',
        contactId: input.contactId,
        currency: null,
        createdAt: new Date(0),
        ref: { domain: 'PAYMENTS', provider: 'payments', externalId: 'cus_1', url: null },
      });
    },
    updateAccount: () => Promise.reject(new Error('not in this test')),
    refundPayment: () => Promise.reject(new Error('not in this test')),
  };
  return { state, crm: crmWriter, payments: paymentsWriter };
}

const NO_PAYMENTS: PaymentsWriter = {
  createAccount: () => Promise.reject(new Error('not in this test')),
  updateAccount: () => Promise.reject(new Error('not in this test')),
  refundPayment: () => Promise.reject(new Error('not in this test')),
};

describe('Compensator', () => {
  it('answers "pending" for an undo that cannot run yet, and a sweep finishes it once it can', async () => {
    const ledger = new MemoryLedger();
    const { state, writer } = crm();
    const compensator = new Compensator({
      ledger,
      leases: new MemoryLeases(),
      crm: writer,
      payments: NO_PAYMENTS,
      settings: SETTINGS,
      logger: pino({ level: 'silent' }),
    });
    await ledger.claim('k1', 'h1');
    expect(await compensator.begin('k1', 'h1', UNDO)).toBe('pending');
    expect(await ledger.claim('k1', 'h1')).toEqual({ state: 'compensating' });

    await compensator.sweep();
    expect(state.deleted).toEqual([]);
    state.down = false;
    await compensator.sweep();
    expect(state.deleted).toEqual(['101']);
    expect(await ledger.claim('k1', 'h1')).toEqual({
      state: 'rolled-back',
      rolledBack: { what: UNDO.what, failure: UNDO.failure, undone: true },
    });
    expect((await ledger.pendingCompensations()).pending).toEqual([]);
    await compensator.stop();
  });

  it('leaves an undo to its holder until the holder’s lease lapses', async () => {
    let now = 0;
    const ledger = new MemoryLedger(undefined, () => now);
    const leases = new MemoryLeases(() => now);
    const { state, writer } = crm();
    state.down = false;
    const options = {
      ledger,
      leases,
      crm: writer,
      payments: NO_PAYMENTS,
      settings: SETTINGS,
      logger: pino({ level: 'silent' }),
    };
    // A replica took the undo's lease, recorded it, and died.
    expect(await leases.acquire('compensation:k2', 'dead', SETTINGS.leaseMs)).toBe(true);
    await ledger.beginCompensation('k2', 'h2', UNDO);

    const alive = new Compensator({ ...options, owner: 'alive' });
    await alive.sweep();
    expect(state.deleted).toEqual([]);
    now += SETTINGS.leaseMs;
    await alive.sweep();
    expect(state.deleted).toEqual(['101']);
    await alive.stop();
  });

  describe('a run that recorded progress and stopped part-way', () => {
    const changes: ContactChanges = { email: 'half@example.com', firstName: 'Half', lastName: 'Made' };
    const progress = (account: AccountInput | null): Progress => ({
      what: 'The customer was not created',
      step: { kind: 'create-customer', changes, account },
      keyBase: 'concord-k3',
      requestId: 'req-3',
    });
    const account: AccountInput = { contactId: '777', email: 'half@example.com', name: 'Half Made' };

    function setUp(attemptTimeoutMs?: number) {
      let now = 0;
      const ledger = new MemoryLedger(undefined, () => now);
      const leases = new MemoryLeases(() => now);
      const ports = providers();
      const alive = new Compensator({
        ledger,
        leases,
        crm: ports.crm,
        payments: ports.payments,
        settings: SETTINGS,
        logger: pino({ level: 'silent' }),
        owner: 'alive',
        ...(attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs }),
      });
      return { ledger, leases, ports, alive, pass: (ms: number) => (now += ms) };
    }

    it('is rolled forward by its own keys once its holder’s lease lapses; a retry then replays it', async () => {
      const { ledger, leases, ports, alive, pass } = setUp();
      // A replica claimed the key, made the contact, recorded it, and died before the account.
      await ledger.claim('k3', 'h3');
      expect(await leases.acquire('compensation:k3', 'dead', SETTINGS.leaseMs)).toBe(true);
      await ledger.recordProgress('k3', 'h3', progress(account));
      expect(await ledger.claim('k3', 'h3')).toMatchObject({ state: 'unfinished' });

      await alive.sweep();
      expect(ports.state.accounts).toEqual([]);
      pass(SETTINGS.leaseMs);
      await alive.sweep();
      expect(ports.state.accounts).toEqual([{ input: account, key: 'concord-k3-payments-account' }]);
      expect(ports.state.deleted).toEqual([]);
      expect(await ledger.claim('k3', 'h3')).toEqual({ state: 'replay', record: { contactId: '777' } });
      expect((await ledger.pendingCompensations()).unfinished).toEqual([]);
      await alive.stop();
    });

    it('finds the contact a lost answer made (by its key), makes no other, then the account', async () => {
      const { ledger, ports, alive } = setUp();
      await ledger.claim('k3', 'h3');
      await ledger.recordProgress('k3', 'h3', progress(null));
      // The create was made; its answer never came back.
      ports.state.contacts.set('concord-k3-crm-contact', { id: '555', changes });
      await alive.sweep();
      expect([...ports.state.contacts.keys()]).toEqual(['concord-k3-crm-contact']);
      expect(ports.state.accounts).toEqual([
        {
          input: { contactId: '555', email: 'half@example.com', name: 'Half Made' },
          key: 'concord-k3-payments-account',
        },
      ]);
      expect(await ledger.claim('k3', 'h3')).toEqual({ state: 'replay', record: { contactId: '555' } });
      await alive.stop();
    });

    it('is settled as rolled back, making nothing, when its contact was never made', async () => {
      const { ledger, ports, alive } = setUp();
      await ledger.claim('k3', 'h3');
      await ledger.recordProgress('k3', 'h3', progress(null));
      // The CRM cannot tell yet: the run stays owed.
      ports.state.crmDown = true;
      await alive.sweep();
      expect(await ledger.claim('k3', 'h3')).toMatchObject({ state: 'unfinished' });
      ports.state.crmDown = false;
      await alive.sweep();
      expect(ports.state.contacts.size).toBe(0);
      expect(ports.state.accounts).toEqual([]);
      expect(ports.state.deleted).toEqual([]);
      expect(await ledger.claim('k3', 'h3')).toEqual({
        state: 'rolled-back',
        rolledBack: {
          what: 'The customer was not created',
          failure: {
            kind: 'provider',
            provider: 'crm',
            code: 'UNAVAILABLE',
            status: null,
            retryable: true,
            endpoint: 'createContact',
          },
          undone: true,
        },
      });
      // Final: later sweeps find nothing owed.
      expect(await ledger.pendingCompensations()).toEqual({ pending: [], unfinished: [], expired: [] });
      await alive.stop();
    });

    it('waits a lease’s length after its run stopped before it says nothing was made', async () => {
      const { ledger, ports, alive } = setUp();
      await ledger.claim('k3', 'h3');
      await ledger.recordProgress('k3', 'h3', { ...progress(null), stoppedAt: Date.now() });
      await alive.sweep();
      // The lost write may still land: asked again later, nothing settled yet.
      expect(await ledger.claim('k3', 'h3')).toMatchObject({ state: 'unfinished' });
      await ledger.recordProgress('k3', 'h3', {
        ...progress(null),
        stoppedAt: Date.now() - SETTINGS.leaseMs,
      });
      await alive.sweep();
      expect(await ledger.claim('k3', 'h3')).toMatchObject({ state: 'rolled-back' });
      expect(ports.state.contacts.size).toBe(0);
      await alive.stop();
    });

    it('waits out a provider attempt longer than the lease before it says nothing was made', async () => {
      const attemptTimeoutMs = SETTINGS.leaseMs * 4;
      const { ledger, ports, alive } = setUp(attemptTimeoutMs);
      await ledger.claim('k3', 'h3');
      await ledger.recordProgress('k3', 'h3', {
        ...progress(null),
        stoppedAt: Date.now() - SETTINGS.leaseMs * 2,
      });
      await alive.sweep();
      // The lease has lapsed, but an attempt of up to PROVIDER_TIMEOUT_MS may still be landing.
      expect(await ledger.claim('k3', 'h3')).toMatchObject({ state: 'unfinished' });
      await ledger.recordProgress('k3', 'h3', {
        ...progress(null),
        stoppedAt: Date.now() - attemptTimeoutMs,
      });
      await alive.sweep();
      expect(await ledger.claim('k3', 'h3')).toMatchObject({ state: 'rolled-back' });
      expect(ports.state.contacts.size).toBe(0);
      await alive.stop();
    });

    it('is made anew under its key when a client’s retry takes it over and no contact was made', async () => {
      const { ledger, ports, alive } = setUp();
      await ledger.claim('k3', 'h3');
      await ledger.recordProgress('k3', 'h3', { ...progress(null), stoppedAt: Date.now() });
      expect(await alive.hold('k3')).toBe(true);
      expect(await alive.takeOver({ key: 'k3', inputHash: 'h3', progress: progress(null) })).toBe('done');
      expect([...ports.state.contacts.keys()]).toEqual(['concord-k3-crm-contact']);
      const made = ports.state.contacts.get('concord-k3-crm-contact')?.id as string;
      expect(await ledger.claim('k3', 'h3')).toEqual({ state: 'replay', record: { contactId: made } });
      await alive.stop();
    });

    it('is rolled back when the account step fails, and a retry answers the rollback', async () => {
      const { ledger, ports, alive } = setUp();
      ports.state.paymentsDown = true;
      await ledger.claim('k3', 'h3');
      await ledger.recordProgress('k3', 'h3', progress(account));
      await alive.sweep();
      expect(ports.state.deleted).toEqual(['777']);
      expect(await ledger.claim('k3', 'h3')).toMatchObject({
        state: 'rolled-back',
        rolledBack: { what: 'The customer was not created', undone: true },
      });
      expect(await ledger.pendingCompensations()).toEqual({ pending: [], unfinished: [], expired: [] });
      await alive.stop();
    });

    it('is left alone while its own run holds it, and let go when the run ends', async () => {
      const { ledger, leases, ports, alive, pass } = setUp();
      const live = new Compensator({
        ledger,
        leases,
        crm: ports.crm,
        payments: ports.payments,
        settings: SETTINGS,
        logger: pino({ level: 'silent' }),
        owner: 'live',
      });
      await ledger.claim('k3', 'h3');
      expect(await live.hold('k3')).toBe(true);
      // Another run of the same key in this process (a concurrent retry) does not get it.
      expect(await live.hold('k3')).toBe(false);
      await ledger.recordProgress('k3', 'h3', progress(account));
      await alive.sweep();
      expect(ports.state.accounts).toEqual([]);
      await ledger.complete('k3', 'h3', { contactId: '777' });
      await live.letGo('k3');
      pass(SETTINGS.leaseMs);
      await alive.sweep();
      expect(ports.state.accounts).toEqual([]);
      expect(await ledger.pendingCompensations()).toEqual({ pending: [], unfinished: [], expired: [] });
      await live.stop();
      await alive.stop();
    });
  });

  it('lets one replica sweep at a time', async () => {
    let now = 0;
    const leases = new MemoryLeases(() => now);
    expect(await leases.acquire('compensation-sweeper', 'a', 1_000)).toBe(true);
    expect(await leases.acquire('compensation-sweeper', 'b', 1_000)).toBe(false);
    expect(await leases.renew('compensation-sweeper', 'b', 1_000)).toBe(false);
    now += 999;
    expect(await leases.renew('compensation-sweeper', 'a', 1_000)).toBe(true);
    now += 999;
    expect(await leases.acquire('compensation-sweeper', 'b', 1_000)).toBe(false);
    now += 1;
    expect(await leases.acquire('compensation-sweeper', 'b', 1_000)).toBe(true);
    await leases.release('compensation-sweeper', 'a');
    expect(await leases.renew('compensation-sweeper', 'b', 1_000)).toBe(true);
  });
});
