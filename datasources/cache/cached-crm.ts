import type {
  Company,
  Contact,
  ContactChanges,
  ContactFilter,
  CrmProvider,
  DealStageLabel,
  Deal,
  DealFilter,
  DealParties,
  Page,
  PageRequest,
  WriteOptions,
} from '../model.js';
import type { ReadThroughCache } from './read-through.js';

const EMAIL = 'email:';
/** Deal ids of one contact, cached under this prefix. */
const OF_CONTACT = 'of-contact:';

function emailKey(email: string): string {
  return EMAIL + email.trim().toLowerCase();
}

/** Pointer keys for the emails given (blank and null ones have none). */
function emailKeys(...emails: ReadonlyArray<string | null | undefined>): string[] {
  return emails.filter((e): e is string => typeof e === 'string' && e.trim() !== '').map(emailKey);
}

/** Whether a contact a pointer led to still holds that email; HubSpot compares emails case-blind. */
function holdsEmail(contact: Contact | null, key: string): boolean {
  const email = contact?.email;
  return typeof email === 'string' && emailKey(email) === key;
}

/** A cached "no such email" is kept (it expires soon); a pointer must lead to a contact with that email. */
function holdsOrNone(
  entry: { key: string; id: string | null; contact: Contact | null } | undefined,
): boolean {
  return entry === undefined || entry.id === null || holdsEmail(entry.contact, entry.key);
}

/** The CRM port with read-through caching in front; the CRM adapter behind it never knows. */
export class CachedCrm implements CrmProvider {
  constructor(
    private readonly inner: CrmProvider,
    private readonly cache: ReadThroughCache,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  getContacts(ids: readonly string[]): Promise<Array<Contact | null>> {
    return this.cache.batch('contacts', ids, (missing) => this.inner.getContacts(missing));
  }

  /**
   * Email → id is cached apart from the contact itself, so invalidating a contact by id (all a
   * webhook knows) also refreshes lookups by email. A pointer whose contact no longer holds that
   * email (changed here or in HubSpot itself, or deleted) is a miss: both entries are dropped and
   * the lookup is asked again, once.
   */
  async getContactsByEmail(emails: readonly string[]): Promise<Array<Contact | null>> {
    const keys = emails.map(emailKey);
    const first = await this.resolveEmails(keys);
    const stale = [...new Set(keys.filter((key) => !holdsOrNone(first.get(key))))];
    if (stale.length === 0) return keys.map((key) => first.get(key)?.contact ?? null);
    const staleIds = stale
      .map((key) => first.get(key)?.id)
      .filter((id): id is string => typeof id === 'string');
    await this.cache.invalidate('contacts', [...stale, ...staleIds], []);
    const second = await this.resolveEmails(stale);
    return keys.map((key) => (second.get(key) ?? first.get(key))?.contact ?? null);
  }

  /** Pointer, then contact, per email key; the contact is null when the pointer says "no such email". */
  private async resolveEmails(
    keys: readonly string[],
  ): Promise<Map<string, { key: string; id: string | null; contact: Contact | null }>> {
    const ids = await this.cache.batch('contacts', keys, async (missing) => {
      const found = await this.inner.getContactsByEmail(missing.map((m) => m.slice(EMAIL.length)));
      const contacts = found.filter((c): c is Contact => c !== null);
      this.cache.put(
        'contacts',
        contacts.map((c) => ({ id: c.id, value: c })),
      );
      return found.map((c) => c?.id ?? null);
    });
    const known = ids.filter((id): id is string => id !== null);
    const contacts = new Map((await this.getContacts(known)).map((c, i) => [known[i] as string, c]));
    return new Map(
      keys.map((key, i) => {
        const id = ids[i] ?? null;
        return [key, { key, id, contact: id === null ? null : (contacts.get(id) ?? null) }];
      }),
    );
  }

  listContacts(page: PageRequest, filter?: ContactFilter): Promise<Page<Contact>> {
    return this.cache.call('lists', ['contacts', page, filter ?? null], () =>
      this.inner.listContacts(page, filter),
    );
  }

  getCompanies(ids: readonly string[]): Promise<Array<Company | null>> {
    return this.cache.batch('companies', ids, (missing) => this.inner.getCompanies(missing));
  }

  listCompanies(page: PageRequest): Promise<Page<Company>> {
    return this.cache.call('lists', ['companies', page], () => this.inner.listCompanies(page));
  }

  getDeals(ids: readonly string[]): Promise<Array<Deal | null>> {
    return this.cache.batch('deals', ids, (missing) => this.inner.getDeals(missing));
  }

  listDeals(page: PageRequest, filter: DealFilter): Promise<Page<Deal>> {
    return this.cache.call('lists', ['deals', page, filter], () => this.inner.listDeals(page, filter));
  }

  dealParties(dealIds: readonly string[]): Promise<DealParties[]> {
    return this.cache.batch(
      'deals',
      dealIds.map((id) => `parties:${id}`),
      (missing) => this.inner.dealParties(missing.map((m) => m.slice('parties:'.length))),
    );
  }

  dealIdsOfContacts(contactIds: readonly string[]): Promise<string[][]> {
    return this.cache.batch(
      'deals',
      contactIds.map((id) => OF_CONTACT + id),
      (missing) => this.inner.dealIdsOfContacts(missing.map((m) => m.slice(OF_CONTACT.length))),
    );
  }

  /** Pipelines change about as often as deals do; cached with them, as one entry. */
  dealStageLabels(): Promise<DealStageLabel[]> {
    return this.cache.call('deals', ['stage-labels'], () => this.inner.dealStageLabels());
  }

  countContactsCreated(since: Date, until: Date, bucketStarts: readonly Date[]): Promise<number[]> {
    return this.cache.call('metrics', ['contacts-created', since, until, bucketStarts], () =>
      this.inner.countContactsCreated(since, until, bucketStarts),
    );
  }

  // ---- writes: through to the provider, then forget what they changed (a failed write changed nothing)

  /** Also drops the new email's pointer, which may hold a cached "no such email". */
  async createContact(input: ContactChanges, options: WriteOptions): Promise<Contact> {
    const contact = await this.inner.createContact(input, options);
    await this.invalidateContact(contact.id, input.email, contact.email);
    return contact;
  }

  /** A read past the cache: what the CRM holds now decides how a stopped run ends. */
  findCreatedContact(
    input: ContactChanges,
    options: WriteOptions & { since: Date },
  ): Promise<Contact | null> {
    return this.inner.findCreatedContact(input, options);
  }

  /** The old email's pointer heals on its next read (see getContactsByEmail); the new one is dropped now. */
  async updateContact(id: string, changes: ContactChanges, options: WriteOptions): Promise<Contact> {
    const contact = await this.inner.updateContact(id, changes, options);
    await this.invalidateContact(id, changes.email, contact.email);
    return contact;
  }

  async deleteContact(id: string, options: WriteOptions): Promise<void> {
    await this.inner.deleteContact(id, options);
    await this.invalidateContact(id);
    await this.cache.invalidate('deals', [OF_CONTACT + id]);
  }

  async updateDealStage(id: string, stage: string, options: WriteOptions): Promise<Deal> {
    const deal = await this.inner.updateDealStage(id, stage, options);
    await this.invalidateDeal(id);
    return deal;
  }

  /** Forgets a contact and every cached list, after a write or a webhook; `emails` also drop their lookups. */
  async invalidateContact(id: string, ...emails: ReadonlyArray<string | null | undefined>): Promise<void> {
    await this.cache.invalidate('contacts', [id, ...emailKeys(...emails)]);
  }

  async invalidateDeal(id: string, contactIds: readonly string[] = []): Promise<void> {
    await this.cache.invalidate('deals', [id, `parties:${id}`, ...contactIds.map((c) => OF_CONTACT + c)]);
  }

  async invalidateCompany(id: string): Promise<void> {
    await this.cache.invalidate('companies', [id]);
  }
}
