import { beforeEach, describe, expect, it } from '@jest/globals';
import type {
  Contact,
  ContactChanges,
  CrmProvider,
  Deal,
  Page,
  Payment,
  PaymentAccount,
  PaymentsProvider,
} from '../../model.js';
import { WriteRejectedError } from '../../model.js';
import { CachedCrm } from '../cached-crm.js';
import { CachedPayments } from '../cached-payments.js';
import { ReadThroughCache } from '../read-through.js';
import { CacheStats } from '../stats.js';
import { MapStore } from './support/map-store.js';
import { DEFAULT_TTL_SECONDS, type CacheKind } from '../ttl.js';

/** The decorators' write paths over a plain in-memory store and scripted providers. */

function newCache(): ReadThroughCache {
  const ttlMs = Object.fromEntries(
    Object.entries(DEFAULT_TTL_SECONDS).map(([k, s]) => [k, s * 1000]),
  ) as Record<CacheKind, number>;
  let now = 1_000_000;
  return new ReadThroughCache({
    store: new MapStore(),
    stats: new CacheStats(),
    policy: { ttlMs, staleMs: 60_000 },
    provider: 'test',
    credentialFingerprint: 'fp',
    // Every read a millisecond later, so list generations taken at different writes differ.
    now: () => ++now,
  });
}

const ref = { domain: 'CRM' as const, provider: 'test', externalId: '', url: null };

function contact(id: string, email: string | null): Contact {
  return {
    id,
    email,
    firstName: null,
    lastName: null,
    phone: null,
    jobTitle: null,
    lifecycleStage: null,
    companyId: null,
    createdAt: new Date(0),
    updatedAt: null,
    ref,
  };
}

/** A CRM holding contacts in a map, counting what the decorator asks of it. */
class FakeCrm {
  readonly name = 'fake';
  readonly contacts = new Map<string, Contact>();
  readonly asked = { byId: 0, byEmail: 0, lists: 0, deals: 0 };
  failWrites = false;
  private nextId = 100;

  getContacts(ids: readonly string[]) {
    this.asked.byId++;
    return Promise.resolve(ids.map((id) => this.contacts.get(id) ?? null));
  }
  getContactsByEmail(emails: readonly string[]) {
    this.asked.byEmail++;
    const all = [...this.contacts.values()];
    return Promise.resolve(
      emails.map((e) => all.find((c) => c.email?.toLowerCase() === e.toLowerCase()) ?? null),
    );
  }
  listContacts(): Promise<Page<Contact>> {
    this.asked.lists++;
    const items = [...this.contacts.values()];
    return Promise.resolve({ items, nextCursor: null, previousCursor: null, cursors: [], totalCount: null });
  }
  getDeals(ids: readonly string[]) {
    this.asked.deals++;
    return Promise.resolve(ids.map((id) => ({ id, stage: 'open' }) as unknown as Deal));
  }
  createContact(input: ContactChanges) {
    if (this.failWrites) return Promise.reject(new WriteRejectedError('CONFLICT', 'taken', 'email', '1'));
    const created = contact(String(this.nextId++), input.email ?? null);
    this.contacts.set(created.id, created);
    return Promise.resolve(created);
  }
  updateContact(id: string, changes: ContactChanges) {
    if (this.failWrites) return Promise.reject(new WriteRejectedError('INVALID', 'no', 'email'));
    this.setEmail(id, changes.email ?? null);
    return Promise.resolve(this.contacts.get(id) as Contact);
  }
  deleteContact(id: string) {
    this.contacts.delete(id);
    return Promise.resolve();
  }
  updateDealStage(id: string, stage: string) {
    return Promise.resolve({ id, stage } as unknown as Deal);
  }
  /** A change made in the CRM itself, which Concord does not see. */
  setEmail(id: string, email: string | null) {
    const old = this.contacts.get(id);
    if (old) this.contacts.set(id, { ...old, email });
  }
}

describe('CachedCrm writes', () => {
  let inner: FakeCrm;
  let crm: CachedCrm;

  beforeEach(() => {
    inner = new FakeCrm();
    crm = new CachedCrm(inner as unknown as CrmProvider, newCache());
  });

  it('forgets a cached "no such email" when a contact with that email is created, and the lists', async () => {
    expect(await crm.getContactsByEmail(['new@example.com'])).toEqual([null]);
    await crm.listContacts({ limit: 10 });
    const created = await crm.createContact({ email: 'New@Example.com' }, { idempotencyKey: 'k' });
    expect((await crm.getContactsByEmail(['new@example.com']))[0]?.id).toBe(created.id);
    const before = inner.asked.lists;
    expect((await crm.listContacts({ limit: 10 })).items).toHaveLength(1);
    expect(inner.asked.lists).toBe(before + 1);
  });

  it('after an email change, the new email finds the contact and the old one finds nothing', async () => {
    inner.contacts.set('1', contact('1', 'old@example.com'));
    expect((await crm.getContactsByEmail(['old@example.com']))[0]?.id).toBe('1');
    const updated = await crm.updateContact('1', { email: 'new@example.com' }, { idempotencyKey: 'k' });
    expect(updated.email).toBe('new@example.com');
    expect((await crm.getContacts(['1']))[0]?.email).toBe('new@example.com');
    expect((await crm.getContactsByEmail(['new@example.com']))[0]?.id).toBe('1');
    expect(await crm.getContactsByEmail(['OLD@example.com'])).toEqual([null]);
  });

  it('heals a pointer after an email change made in the CRM itself', async () => {
    inner.contacts.set('1', contact('1', 'a@example.com'));
    await crm.getContactsByEmail(['a@example.com']);
    inner.setEmail('1', 'b@example.com');
    // A webhook knows the id only.
    await crm.invalidateContact('1');
    expect(await crm.getContactsByEmail(['a@example.com'])).toEqual([null]);
    expect((await crm.getContactsByEmail(['b@example.com']))[0]?.id).toBe('1');
  });

  it('a deleted contact is gone by id and by email', async () => {
    inner.contacts.set('1', contact('1', 'gone@example.com'));
    await crm.getContactsByEmail(['gone@example.com']);
    await crm.deleteContact('1', { idempotencyKey: 'k' });
    expect(await crm.getContacts(['1'])).toEqual([null]);
    expect(await crm.getContactsByEmail(['gone@example.com'])).toEqual([null]);
  });

  it('a failed write forgets nothing', async () => {
    inner.contacts.set('1', contact('1', 'kept@example.com'));
    await crm.getContacts(['1']);
    await crm.listContacts({ limit: 10 });
    inner.failWrites = true;
    await expect(crm.updateContact('1', { email: 'x@example.com' }, { idempotencyKey: 'k' })).rejects.toThrow(
      WriteRejectedError,
    );
    const asked = { ...inner.asked };
    await crm.getContacts(['1']);
    await crm.listContacts({ limit: 10 });
    expect(inner.asked).toEqual(asked);
  });

  it('forgets a deal whose stage changed', async () => {
    await crm.getDeals(['7']);
    await crm.updateDealStage('7', 'closedwon', { idempotencyKey: 'k' });
    await crm.getDeals(['7']);
    expect(inner.asked.deals).toBe(2);
  });
});

/** Payments: accounts per contact and payments per account, counting calls. */
class FakePayments {
  readonly name = 'fake';
  readonly asked = { accounts: 0, ofContacts: 0, ofAccounts: 0 };
  accounts = new Map<string, PaymentAccount>();
  refunded = 0n;

  getAccounts(ids: readonly string[]) {
    this.asked.accounts++;
    return Promise.resolve(ids.map((id) => this.accounts.get(id) ?? null));
  }
  accountsOfContacts(contactIds: readonly string[]) {
    this.asked.ofContacts++;
    const all = [...this.accounts.values()];
    return Promise.resolve(contactIds.map((c) => all.find((a) => a.contactId === c) ?? null));
  }
  paymentsOfAccounts(accountIds: readonly string[]) {
    this.asked.ofAccounts++;
    return Promise.resolve(accountIds.map((id) => [this.payment(id)]));
  }
  createAccount(input: { contactId: string }) {
    const account: PaymentAccount = {
      id: 'cus_new',
      contactId: input.contactId,
      currency: null,
      createdAt: new Date(0),
      ref: { ...ref, domain: 'PAYMENTS' },
    };
    this.accounts.set(account.id, account);
    return Promise.resolve(account);
  }
  updateAccount(id: string) {
    return Promise.resolve(this.accounts.get(id) as PaymentAccount);
  }
  refundPayment(input: { amount: bigint | null }) {
    this.refunded += input.amount ?? 0n;
    return Promise.resolve(this.payment('cus_1'));
  }
  private payment(accountId: string): Payment {
    return {
      id: 'ch_1',
      accountId,
      amount: { minor: 1000n, currency: 'USD' },
      amountRefunded: { minor: this.refunded, currency: 'USD' },
    } as Payment;
  }
}

describe('CachedPayments writes', () => {
  let inner: FakePayments;
  let payments: CachedPayments;

  beforeEach(() => {
    inner = new FakePayments();
    payments = new CachedPayments(inner as unknown as PaymentsProvider, newCache());
  });

  it('forgets a contact’s cached "no account" when one is created for it', async () => {
    expect(await payments.accountsOfContacts(['c1'])).toEqual([null]);
    const account = await payments.createAccount(
      { contactId: 'c1', email: null, name: null },
      { idempotencyKey: 'k' },
    );
    expect((await payments.accountsOfContacts(['c1']))[0]?.id).toBe(account.id);
  });

  it('forgets an updated account by id and by contact', async () => {
    await payments.createAccount({ contactId: 'c2', email: null, name: null }, { idempotencyKey: 'k' });
    await payments.getAccounts(['cus_new']);
    await payments.accountsOfContacts(['c2']);
    await payments.updateAccount('cus_new', { name: 'N' }, { idempotencyKey: 'k2' });
    await payments.getAccounts(['cus_new']);
    await payments.accountsOfContacts(['c2']);
    expect(inner.asked).toMatchObject({ accounts: 2, ofContacts: 2 });
  });

  it('forgets the account’s payments after a refund', async () => {
    await payments.paymentsOfAccounts(['cus_1']);
    await payments.refundPayment({ paymentId: 'ch_1', amount: 300n, reason: null }, { idempotencyKey: 'k' });
    const [after] = await payments.paymentsOfAccounts(['cus_1']);
    expect(after?.[0]?.amountRefunded.minor).toBe(300n);
    expect(inner.asked.ofAccounts).toBe(2);
  });
});
