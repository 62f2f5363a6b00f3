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
  DealStatus,
  Page,
  PageRequest,
  WriteOptions,
} from '../model.js';
import { UnsupportedPagingError, WriteRejectedError } from '../model.js';
import { ProviderError, ProviderErrorCode } from '../transport/errors.js';
import { ProviderHttpClient, type RequestPolicy, type UpstreamCall } from '../transport/http-client.js';
import { HubSpotClient, linkedFromV3 } from './client.js';
import { checkId, classifyHubSpotError, rejecting, writeRejection, type WrittenObject } from './errors.js';
import {
  DEFAULT_MAPPING_OPTIONS,
  PROVIDER_NAME,
  contactProperties,
  mapCompany,
  mapContact,
  mapDeal,
  primaryOrFirst,
  parseHubSpotDate,
  type MappingOptions,
} from './mapping.js';
import { decodeItemCursor, toPage, walk, type ItemPosition } from './paging.js';
import { DEFAULT_BASE_URL, DEFAULT_WRITE_KEY_PROPERTY } from './settings.js';
import {
  COMPANIES,
  CONTACTS,
  contactsWithWriteKey,
  CONTACTS_CREATED,
  DEALS,
  HUBSPOT_LIMITS,
  type AnyObject,
  type ContactObject,
  type CreatedObject,
  type DealObject,
  type HubSpotClientOptions,
  type HubSpotObjectType,
  type LinkedObject,
  type ObjectSpec,
  type SearchFilter,
  type SearchRequest,
  type Slice,
} from './wire.js';

export interface HubSpotCrmOptions extends HubSpotClientOptions {
  /** Built with `classifyError: classifyHubSpotError` so that HubSpot's error bodies are read. */
  http: ProviderHttpClient;
  /** The portal (hub) id, for links to records in HubSpot's UI; null means no links. */
  portalId?: string | null;
  appUrl?: string;
  /** The account's company currency, for deals that name none. */
  defaultCurrency?: string;
  /** Stage ids that close a deal as won or lost, across all pipelines. */
  wonStages?: readonly string[];
  lostStages?: readonly string[];
  /** Concurrent per-bucket counts; HubSpot search allows only a few requests per second. */
  searchConcurrency?: number;
  /**
   * The custom contact property (single-line text) a create writes its idempotency key to, so
   * that the create can be retried: a repeat meets the unique email's 409, and the contact it
   * names is ours when it carries our key. Null: creates are never retried.
   */
  writeKeyProperty?: string | null;
}

export interface CreateHubSpotCrmOptions extends Omit<HubSpotCrmOptions, 'http'> {
  /** Defaults to https://api.hubapi.com. */
  baseUrl?: string;
  /**
   * A private-app or OAuth token; a function is asked per request, so refreshed tokens apply at
   * once. Null: the policy sets the bearer per attempt (an OAuth app, see `refreshingBearer`).
   */
  accessToken: string | (() => string | Promise<string>) | null;
  timeoutMs?: number;
  connections?: number;
  onCall?: (call: UpstreamCall) => void;
  /** Retries, deadline, circuit breaker and bulkhead around every request. */
  policy?: RequestPolicy;
}

// ---- counting ------------------------------------------------------------------------------------

/** Index of the bucket that `t` falls in (the last start at or before it), or -1 before the first. */
export function bucketIndex(starts: readonly number[], t: number): number {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((starts[mid] ?? Infinity) <= t) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}

/** Each bucket's range, clipped to [since, until); the last bucket ends at `until`. */
export function bucketRanges(
  since: number,
  until: number,
  starts: readonly number[],
): Array<{ from: number; to: number }> {
  return starts.map((start, i) => ({
    from: Math.max(since, start),
    to: Math.min(until, starts[i + 1] ?? until),
  }));
}

async function mapConcurrent<T, U>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<U>,
): Promise<U[]> {
  const results = new Array<U>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}

function createdBetween(from: number, to: number): SearchFilter[] {
  return [
    { propertyName: 'createdate', operator: 'GTE', value: String(from) },
    { propertyName: 'createdate', operator: 'LT', value: String(to) },
  ];
}

// ---- the adapter ---------------------------------------------------------------------------------

/** Id order, like the plain list, so that a filtered walk is as stable as an unfiltered one. */
const BY_ID: SearchRequest['sorts'] = [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }];

function contactFilters(filter: ContactFilter | undefined): SearchFilter[] {
  const filters: SearchFilter[] = [];
  if (!filter) return filters;
  if (filter.email !== undefined)
    filters.push({ propertyName: 'email', operator: 'EQ', value: filter.email });
  if (filter.createdAfter !== undefined)
    filters.push({
      propertyName: 'createdate',
      operator: 'GTE',
      value: String(filter.createdAfter.getTime()),
    });
  if (filter.createdBefore !== undefined)
    filters.push({
      propertyName: 'createdate',
      operator: 'LT',
      value: String(filter.createdBefore.getTime()),
    });
  if (filter.companyId !== undefined)
    filters.push({ propertyName: 'associations.company', operator: 'EQ', value: filter.companyId });
  return filters;
}

/** HubSpot contacts, companies and deals as Concord's CrmProvider. */
export class HubSpotCrm implements CrmProvider {
  readonly name = PROVIDER_NAME;
  private readonly client: HubSpotClient;
  private readonly http: ProviderHttpClient;
  private readonly mapping: MappingOptions;
  private readonly searchConcurrency: number;
  private readonly ownsHttp: boolean;
  private readonly writeKeyProperty: string | null;

  /** `ownsHttp`: whether `close()` closes the pool (true when `createHubSpotCrm` made it). */
  constructor(options: HubSpotCrmOptions, ownsHttp = false) {
    this.http = options.http;
    this.ownsHttp = ownsHttp;
    this.client = new HubSpotClient(options.http, options);
    this.searchConcurrency = options.searchConcurrency ?? 4;
    this.writeKeyProperty =
      options.writeKeyProperty === undefined ? DEFAULT_WRITE_KEY_PROPERTY : options.writeKeyProperty;
    this.mapping = {
      portalId: options.portalId ?? DEFAULT_MAPPING_OPTIONS.portalId,
      appUrl: options.appUrl ?? DEFAULT_MAPPING_OPTIONS.appUrl,
      defaultCurrency: options.defaultCurrency ?? DEFAULT_MAPPING_OPTIONS.defaultCurrency,
      wonStages: options.wonStages ? new Set(options.wonStages) : DEFAULT_MAPPING_OPTIONS.wonStages,
      lostStages: options.lostStages ? new Set(options.lostStages) : DEFAULT_MAPPING_OPTIONS.lostStages,
    };
  }

  async getContacts(ids: readonly string[]): Promise<Array<Contact | null>> {
    if (ids.length === 0) return [];
    const objects = await this.client.batchRead(CONTACTS, ids);
    return objects.map((obj) => (obj ? mapContact(obj, this.mapping) : null));
  }

  async getContactsByEmail(emails: readonly string[]): Promise<Array<Contact | null>> {
    if (emails.length === 0) return [];
    const objects = await this.client.batchRead(CONTACTS, emails, 'email');
    return objects.map((obj) => (obj ? mapContact(obj, this.mapping) : null));
  }

  async listContacts(page: PageRequest, filter?: ContactFilter): Promise<Page<Contact>> {
    const start = this.startOf(page);
    const filters = contactFilters(filter);
    const toContact = (obj: ContactObject) => mapContact(obj, this.mapping);
    if (filters.length === 0) {
      return toPage(await this.walkPlainList(CONTACTS, page, start), toContact);
    }
    const walked = await walk(
      (after, limit) => this.client.search(CONTACTS, { filters, sorts: BY_ID, limit, after }),
      HUBSPOT_LIMITS.searchPage,
      start,
      page.limit,
    );
    return toPage(walked, toContact);
  }

  async getCompanies(ids: readonly string[]): Promise<Array<Company | null>> {
    if (ids.length === 0) return [];
    const objects = await this.client.batchRead(COMPANIES, ids);
    return objects.map((obj) => (obj ? mapCompany(obj, this.mapping) : null));
  }

  async listCompanies(page: PageRequest): Promise<Page<Company>> {
    const walked = await this.walkPlainList(COMPANIES, page, this.startOf(page));
    return toPage(walked, (obj) => mapCompany(obj, this.mapping));
  }

  /**
   * Batch read has no associations, so a deal's contact and company come from two v4 association
   * batches, sent at the same time as the read.
   */
  async getDeals(ids: readonly string[]): Promise<Array<Deal | null>> {
    if (ids.length === 0) return [];
    const objects = await this.client.batchRead(DEALS, ids);
    return objects.map((obj) => (obj ? mapDeal(obj, null, this.mapping) : null));
  }

  /** Two v4 association batches (deal→contact, deal→company), sent at the same time. */
  async dealParties(dealIds: readonly string[]): Promise<DealParties[]> {
    const links = await this.dealLinks(dealIds);
    return dealIds.map((id) => ({
      contactId: primaryOrFirst(links.contacts.get(id)),
      companyId: primaryOrFirst(links.companies.get(id)),
    }));
  }

  async listDeals(page: PageRequest, { status, companyId }: DealFilter): Promise<Page<Deal>> {
    const start = this.startOf(page);
    if (status === undefined && companyId === undefined) {
      // The plain list can carry associations inline: one call per page.
      const walked = await this.walkPlainList(DEALS, page, start, ['contacts', 'companies']);
      return toPage(walked, (obj) =>
        mapDeal(
          obj,
          {
            contacts: linkedFromV3(obj.associations?.contacts?.results),
            companies: linkedFromV3(obj.associations?.companies?.results),
          },
          this.mapping,
        ),
      );
    }
    const filters = [
      ...(status === undefined ? [] : [this.stageFilter(status)]),
      ...(companyId === undefined
        ? []
        : [{ propertyName: 'associations.company', operator: 'EQ' as const, value: companyId }]),
    ];
    const walked = await walk(
      (after, limit) => this.client.search(DEALS, { filters, sorts: BY_ID, limit, after }),
      HUBSPOT_LIMITS.searchPage,
      start,
      page.limit,
    );
    return toPage(walked, (obj) => mapDeal(obj, null, this.mapping));
  }

  /** Stage ids are per portal and per pipeline (FACTS §7.4): one unpaged call lists them all. */
  async dealStageLabels(): Promise<DealStageLabel[]> {
    const pipelines = await this.client.pipelines('deals');
    return pipelines.flatMap((pipeline) => pipeline.stages.map(({ id, label }) => ({ id, label })));
  }

  async dealIdsOfContacts(contactIds: readonly string[]): Promise<string[][]> {
    if (contactIds.length === 0) return [];
    const linked = await this.client.associations('contacts', 'deals', contactIds);
    return contactIds.map((id) => (linked.get(id) ?? []).map((deal) => deal.id));
  }

  /**
   * One search walk over the range, bucketed here; when that would take more calls than one
   * `limit: 1` search per bucket (or cannot finish inside HubSpot's 10,000-result window), the
   * per-bucket `total`s are used instead. `bucketStarts` are ascending; bucket i runs to the next
   * start (the last to `until`), clipped to [since, until).
   */
  async countContactsCreated(since: Date, until: Date, bucketStarts: readonly Date[]): Promise<number[]> {
    const from = since.getTime();
    const to = until.getTime();
    const starts = bucketStarts.map((d) => d.getTime());
    const counts = starts.map(() => 0);
    if (starts.length === 0 || !(from < to)) return counts;

    const request = (after: string | null): Promise<Slice<CreatedObject>> =>
      this.client.search(CONTACTS_CREATED, {
        filters: createdBetween(from, to),
        sorts: [{ propertyName: 'createdate', direction: 'ASCENDING' }],
        limit: HUBSPOT_LIMITS.searchPage,
        after,
      });
    let slice = await request(null);
    const total = slice.total ?? 0;
    const ranges = bucketRanges(from, to, starts);
    const perBucketCalls = ranges.filter((r) => r.from < r.to).length;
    const pagesLeft = Math.ceil(total / HUBSPOT_LIMITS.searchPage) - 1;
    if (total > HUBSPOT_LIMITS.searchWindow || perBucketCalls < pagesLeft) {
      return this.countPerBucket(ranges);
    }

    // Creation times are fixed, so a contact seen twice (the index shifting under us) counts once.
    const seen = new Set<string>();
    for (;;) {
      for (const obj of slice.results) {
        if (seen.has(obj.id)) continue;
        seen.add(obj.id);
        const created = parseHubSpotDate(obj.properties.createdate) ?? parseHubSpotDate(obj.createdAt);
        const t = created?.getTime();
        if (t === undefined || t < from || t >= to) continue;
        const i = bucketIndex(starts, t);
        if (i >= 0) counts[i] = (counts[i] ?? 0) + 1;
      }
      if (slice.next === null || slice.results.length === 0) return counts;
      slice = await request(slice.next);
    }
  }

  private countPerBucket(ranges: ReadonlyArray<{ from: number; to: number }>): Promise<number[]> {
    return mapConcurrent(ranges, this.searchConcurrency, async ({ from, to }) => {
      if (!(from < to)) return 0;
      const slice = await this.client.search(CONTACTS_CREATED, {
        filters: createdBetween(from, to),
        sorts: [],
        limit: 1,
      });
      return slice.total ?? 0;
    });
  }

  // ---- writes ------------------------------------------------------------------------------------

  /**
   * The write-key property must exist before creates can carry it (a write naming a missing
   * property is refused): made here when the portal lacks it. A 409 is another replica making it
   * at the same moment. A refusal (the token lacks the schema scope, a reserved name) is the
   * operator's to fix, in one line.
   */
  async prepareWrites(): Promise<string | null> {
    const name = this.writeKeyProperty;
    if (name === null || (await this.client.property('contacts', name))) return null;
    try {
      await this.client.createProperty('contacts', {
        name,
        label: 'Concord write key',
        type: 'string',
        fieldType: 'text',
        groupName: 'contactinformation',
        description:
          'Set by Concord on the contacts it creates, so a retried create finds its first attempt.',
        formField: false,
      });
      return null;
    } catch (error) {
      // No answer, an outage or a rate limit: it could not tell; the caller asks again later.
      if (!(error instanceof ProviderError) || error.status === null || error.retryable) throw error;
      if (error.status === 409) return null;
      return (
        `hubspot: the contact property ${name} (HUBSPOT_WRITE_KEY_PROPERTY) is missing and could not be created ` +
        `(HTTP ${error.status}; the token needs crm.schemas.contacts.write): create it as a single-line text ` +
        `property, or set HUBSPOT_WRITE_KEY_PROPERTY=off; until then createCustomer is refused by HubSpot`
      );
    }
  }
  // HubSpot takes no idempotency key. A contact create carries its key in a property of its own
  // (writeKeyProperty) and is retried; PATCH and DELETE repeat harmlessly.

  async createContact(input: ContactChanges, options: WriteOptions): Promise<Contact> {
    const marker = this.writeKeyProperty;
    if (marker === null) {
      const obj = await rejecting('contact', () => this.client.create(CONTACTS, contactProperties(input)));
      return mapContact(await this.whole(CONTACTS, obj), this.mapping);
    }
    const key = options.idempotencyKey;
    let obj: ContactObject;
    try {
      obj = await this.client.create(CONTACTS, { ...contactProperties(input), [marker]: key }, true);
    } catch (error) {
      obj = await this.madeByThisWrite(error, marker, key);
    }
    return mapContact(await this.whole(CONTACTS, obj), this.mapping);
  }

  /**
   * Contact emails are unique in HubSpot, so the contact holding the input's email is the only one
   * an earlier attempt can have made: it is that attempt's when it carries the write's key, or, with
   * the write-key property off, when it was created since the run began. A batch read by email, not
   * search: search's index lags behind writes.
   */
  async findCreatedContact(
    input: ContactChanges,
    options: WriteOptions & { since: Date },
  ): Promise<Contact | null> {
    const email = input.email;
    if (!email) return null;
    const marker = this.writeKeyProperty;
    if (marker === null) {
      const [holder] = await this.client.batchRead(CONTACTS, [email], 'email');
      const contact = holder ? mapContact(holder, this.mapping) : null;
      return contact && contact.createdAt.getTime() >= options.since.getTime() ? contact : null;
    }
    const [holder] = await this.client.batchRead(contactsWithWriteKey(marker), [email], 'email');
    const written: Readonly<Record<string, string | null | undefined>> = holder?.properties ?? {};
    return holder && written[marker] === options.idempotencyKey ? mapContact(holder, this.mapping) : null;
  }

  /**
   * A create refused as a duplicate email, where the contact holding the email carries this
   * write's key: an earlier attempt of the same write made it (its answer was lost), so that
   * contact is the create's result. Anything else is the refusal it was.
   */
  private async madeByThisWrite(error: unknown, marker: string, key: string): Promise<ContactObject> {
    const existingId =
      error instanceof ProviderError && error.status === 409 ? error.details.existingId : undefined;
    if (existingId !== undefined) {
      const [holder] = await this.client.batchRead(contactsWithWriteKey(marker), [existingId]);
      const written: Readonly<Record<string, string | null | undefined>> = holder?.properties ?? {};
      if (holder && written[marker] === key) return holder;
    }
    throw writeRejection(error, 'contact');
  }

  async updateContact(id: string, changes: ContactChanges, _options: WriteOptions): Promise<Contact> {
    checkId(id, 'contact');
    const properties = contactProperties(changes);
    const obj =
      Object.keys(properties).length === 0
        ? await this.readOrReject(CONTACTS, id, 'contact')
        : await this.whole(
            CONTACTS,
            await rejecting('contact', () => this.client.update(CONTACTS, id, properties)),
          );
    return mapContact(obj, this.mapping);
  }

  /** A contact HubSpot does not have (never had, or already deleted) is already where we want it. */
  async deleteContact(id: string, _options: WriteOptions): Promise<void> {
    if (!/^\d+$/.test(id)) return;
    try {
      await this.client.archive('contacts', id);
    } catch (error) {
      if (error instanceof ProviderError && error.code === ProviderErrorCode.NOT_FOUND) return;
      throw error;
    }
  }

  async updateDealStage(id: string, stage: string, _options: WriteOptions): Promise<Deal> {
    checkId(id, 'deal');
    if (stage.trim() === '') throw new WriteRejectedError('INVALID', 'A deal stage is required.', 'stage');
    const obj = await rejecting('deal', () => this.client.update(DEALS, id, { dealstage: stage }));
    return mapDeal(await this.whole(DEALS, obj), null, this.mapping);
  }

  /**
   * Write answers carry only some properties, and a missing one would read as cleared; then the
   * object is read whole. The write has happened by now, so a failed read falls back to its answer.
   */
  private async whole<T extends ContactObject | DealObject>(spec: ObjectSpec<T>, written: T): Promise<T> {
    if (spec.properties.every((name) => name in written.properties)) return written;
    try {
      const [read] = await this.client.batchRead(spec, [written.id]);
      return read ?? written;
    } catch {
      return written;
    }
  }

  private async readOrReject<T extends ContactObject | DealObject>(
    spec: ObjectSpec<T>,
    id: string,
    what: WrittenObject,
  ): Promise<T> {
    const [obj] = await this.client.batchRead(spec, [id]);
    if (!obj) throw new WriteRejectedError('NOT_FOUND', `There is no ${what} with this id.`);
    return obj;
  }

  /** Closes the connection pool when this adapter created it. */
  async close(): Promise<void> {
    if (this.ownsHttp) await this.http.close();
  }

  private async dealLinks(ids: readonly string[]): Promise<{
    contacts: Map<string, LinkedObject[]>;
    companies: Map<string, LinkedObject[]>;
  }> {
    if (ids.length === 0) return { contacts: new Map(), companies: new Map() };
    const [contacts, companies] = await Promise.all([
      this.client.associations('deals', 'contacts', ids),
      this.client.associations('deals', 'companies', ids),
    ]);
    return { contacts, companies };
  }

  /** OPEN is every stage that is neither won nor lost, so that custom open stages count too. */
  private stageFilter(status: DealStatus): SearchFilter {
    const won = [...this.mapping.wonStages];
    const lost = [...this.mapping.lostStages];
    if (status === 'WON') return { propertyName: 'dealstage', operator: 'IN', values: won };
    if (status === 'LOST') return { propertyName: 'dealstage', operator: 'IN', values: lost };
    return { propertyName: 'dealstage', operator: 'NOT_IN', values: [...won, ...lost] };
  }

  /**
   * A page of the plain list (`associations` inline), and how many objects of the type there are
   * when the caller asked (`page.total`): the list endpoint answers no total, a search without
   * filters does (`total`), so one search of a single result is sent beside the page.
   */
  private async walkPlainList<T extends AnyObject>(
    spec: ObjectSpec<T>,
    page: PageRequest,
    start: ItemPosition,
    associations?: readonly HubSpotObjectType[],
  ) {
    const [walked, total] = await Promise.all([
      walk(
        (after, limit) =>
          this.client.listPage(spec, { after, limit, ...(associations ? { associations } : {}) }),
        HUBSPOT_LIMITS.listPage,
        start,
        page.limit,
      ),
      page.total === true
        ? this.client.search(spec, { filters: [], sorts: [], limit: 1 }).then((s) => s.total ?? null)
        : null,
    ]);
    return { ...walked, total };
  }

  private startOf(page: PageRequest): ItemPosition {
    const endpoint = `GET ${this.client.crmPrefix}/{objectType}`;
    if (page.before !== undefined && page.before !== null) {
      throw new UnsupportedPagingError("HubSpot's lists and searches only page forward.");
    }
    if (page.after === undefined || page.after === null) return { after: null, skip: 0 };
    const position = decodeItemCursor(page.after);
    if (!position) {
      throw new ProviderError({
        provider: PROVIDER_NAME,
        endpoint,
        status: null,
        code: ProviderErrorCode.REJECTED,
        retryable: false,
        providerCode: 'INVALID_CURSOR',
      });
    }
    return position;
  }
}

/** An adapter with its own keep-alive pool, bearer auth and HubSpot's error reading. */
export function createHubSpotCrm(options: CreateHubSpotCrmOptions): HubSpotCrm {
  const { baseUrl, accessToken, timeoutMs, connections, onCall, policy, ...rest } = options;
  const token = typeof accessToken === 'function' ? accessToken : () => accessToken;
  const http = new ProviderHttpClient({
    provider: PROVIDER_NAME,
    baseUrl: baseUrl ?? DEFAULT_BASE_URL,
    authHeaders: async (): Promise<Record<string, string>> => {
      const value = await token();
      return value === null ? {} : { authorization: `Bearer ${value}` };
    },
    classifyError: classifyHubSpotError,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(connections === undefined ? {} : { connections }),
    ...(onCall === undefined ? {} : { onCall }),
    ...(policy === undefined ? {} : { policy }),
  });
  return new HubSpotCrm({ ...rest, http }, true);
}
