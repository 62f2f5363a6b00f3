import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { CrmWriter } from '../../../datasources/model.js';
import { Compensator } from '../compensator.js';
import type { Compensation } from '../compensation.js';
import { MemoryLeases } from '../leases.js';
import { MemoryLedger } from '../ledger.js';
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

/** A CRM whose deletes fail while `down`, and that remembers what it deleted. */
function crm() {
  const state = { down: true, deleted: [] as string[] };
  const writer: CrmWriter = {
    createContact: () => Promise.reject(new Error('not in this test')),
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

describe('Compensator', () => {
  it('answers "pending" for an undo that cannot run yet, and a sweep finishes it once it can', async () => {
    const ledger = new MemoryLedger();
    const { state, writer } = crm();
    const compensator = new Compensator({
      ledger,
      leases: new MemoryLeases(),
      crm: writer,
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
    const options = { ledger, leases, crm: writer, settings: SETTINGS, logger: pino({ level: 'silent' }) };
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
