import type {
  Company,
  Contact,
  ContactFilter,
  CrmProvider,
  Deal,
  DealFilter,
  DealParties,
  Page,
  PageRequest,
} from '../model.js';
import type { ReadThroughCache } from './read-through.js';

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
   * webhook knows) also refreshes lookups by email.
   */
  async getContactsByEmail(emails: readonly string[]): Promise<Array<Contact | null>> {
    const keys = emails.map((e) => `email:${e.toLowerCase()}`);
    const ids = await this.cache.batch('contacts', keys, async (missing) => {
      const found = await this.inner.getContactsByEmail(missing.map((m) => m.slice('email:'.length)));
      const contacts = found.filter((c): c is Contact => c !== null);
      await this.cache.put(
        'contacts',
        contacts.map((c) => ({ id: c.id, value: c })),
      );
      return found.map((c) => c?.id ?? null);
    });
    const known = ids.filter((id): id is string => id !== null);
    const contacts = new Map((await this.getContacts(known)).map((c, i) => [known[i] as string, c]));
    return ids.map((id) => (id === null ? null : (contacts.get(id) ?? null)));
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
      contactIds.map((id) => `of-contact:${id}`),
      (missing) => this.inner.dealIdsOfContacts(missing.map((m) => m.slice('of-contact:'.length))),
    );
  }

  countContactsCreated(since: Date, until: Date, bucketStarts: readonly Date[]): Promise<number[]> {
    return this.cache.call('metrics', ['contacts-created', since, until, bucketStarts], () =>
      this.inner.countContactsCreated(since, until, bucketStarts),
    );
  }

  /** Forgets a contact and every cached list, after a write or a webhook; `email` also drops its lookup. */
  async invalidateContact(id: string, email?: string | null): Promise<void> {
    await this.cache.invalidate('contacts', [id, ...(email ? [`email:${email.toLowerCase()}`] : [])]);
  }

  async invalidateDeal(id: string, contactIds: readonly string[] = []): Promise<void> {
    await this.cache.invalidate('deals', [id, `parties:${id}`, ...contactIds.map((c) => `of-contact:${c}`)]);
  }

  async invalidateCompany(id: string): Promise<void> {
    await this.cache.invalidate('companies', [id]);
  }
}
