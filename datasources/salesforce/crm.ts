import { z } from 'zod';
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
import { WriteRejectedError } from '../model.js';
import { ProviderError, ProviderErrorCode } from '../transport/errors.js';
import { DEFAULT_RETRIES, isRetryableError } from '../transport/retry.js';
import { SalesforceClient, chunk } from './client.js';
import {
  contactFields,
  mapAccount,
  mapContact,
  mapOpportunity,
  modelFieldOf,
  parseSalesforceDatetime,
  primaryContact,
  type MappingOptions,
} from './mapping.js';
import { afterCondition, keysetPage, rowsFor } from './paging.js';
import { fromMemoOr, requestMemo } from './request-memo.js';
import type { SalesforceSession } from './session.js';
import {
  IN_LIST_EMAILS,
  IN_LIST_IDS,
  KEY_PREFIX,
  datetimeLiteral,
  inList,
  isIdOf,
  literal,
  select,
} from './soql.js';
import {
  ACCOUNT_FIELDS,
  AccountRecord,
  CONTACT_FIELDS,
  ContactRecord,
  ContactRoleRecord,
  ContactWithRelations,
  CreatedRecord,
  OpportunityPartiesRecord,
  OpportunityRecord,
  opportunityFields,
} from './wire.js';

export interface SalesforceCrmOptions {
  session: SalesforceSession;
  apiVersion: string;
  mapping: MappingOptions;
  multiCurrency: boolean;
  /** Records per page of a walked query (Sforce-Query-Options). */
  queryBatchSize?: number;
  /**
   * Repeats of a contact create whose answer failed, each only after a look-up found no contact
   * made by the attempt before (default: the transport's default retries). Only with no write-key field.
   */
  createRetries?: number;
  /**
   * The Contact External ID field a create carries its write key in (SALESFORCE_WRITE_KEY_FIELD):
   * creates are upserts by it, repeated by the transport. Null: plain creates (see createOnce).
   */
  writeKeyField?: string | null;
}

/** The people on an opportunity, primary first, in the same query as the opportunity. */
const ROLES_SUBQUERY =
  '(SELECT ContactId, IsPrimary FROM OpportunityContactRoles ORDER BY IsPrimary DESC, CreatedDate)';

const OpportunityWithRoles = OpportunityRecord.extend({
  OpportunityContactRoles: OpportunityPartiesRecord.shape.OpportunityContactRoles,
});

const IdOnly = z.object({ Id: z.string() });
/** A contact's id with the other fields asked for (the write-key field, whose name is configured). */
const IdAndMore = z.looseObject({ Id: z.string() });

/** Salesforce's refusals the client can fix, as WriteRejectedError; anything else stays what it was. */
export function writeRejection(error: unknown, what: 'contact' | 'deal'): unknown {
  if (!(error instanceof ProviderError)) return error;
  const code = error.providerCode;
  if (error.code === ProviderErrorCode.NOT_FOUND) {
    return new WriteRejectedError('NOT_FOUND', `There is no ${what} with this id.`);
  }
  if (code === 'DUPLICATES_DETECTED' || code === 'DUPLICATE_VALUE') {
    return new WriteRejectedError(
      'CONFLICT',
      what === 'contact'
        ? 'A contact with this email already exists.'
        : `The ${what} conflicts with another.`,
      what === 'contact' ? 'email' : null,
    );
  }
  if (
    error.status === 400 &&
    code !== undefined &&
    !['MALFORMED_QUERY', 'INVALID_FIELD', 'INVALID_TYPE'].includes(code)
  ) {
    const sfField = error.details.field;
    const field = sfField === undefined ? null : modelFieldOf(sfField);
    return new WriteRejectedError(
      'INVALID',
      field === null ? `The CRM refused the ${what}'s values.` : `The CRM refused the value of ${field}.`,
      field,
    );
  }
  return error;
}

/** A list that can match nothing (a filter id of the wrong type): no call, and a total of 0. */
function emptyPage<T>(page: PageRequest): Page<T> {
  return { ...keysetPage([], page, () => null as never), totalCount: 0 };
}

async function rejecting<T>(what: 'contact' | 'deal', write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw writeRejection(error, what);
  }
}

/** Salesforce contacts, accounts and opportunities as Concord's CrmProvider. */
export class SalesforceCrm implements CrmProvider {
  readonly name = 'salesforce';
  private readonly client: SalesforceClient;
  private readonly session: SalesforceSession;
  private readonly mapping: MappingOptions;
  private readonly opportunityFields: string[];
  /** A page of contacts with each one's account and opportunities: the dashboard's CRM reads in one query. */
  private readonly contactWithRelations: string[];

  constructor(private readonly options: SalesforceCrmOptions) {
    this.session = options.session;
    this.client = new SalesforceClient(options.session, options.apiVersion);
    this.mapping = options.mapping;
    this.opportunityFields = opportunityFields(options.multiCurrency);
    this.contactWithRelations = [
      ...CONTACT_FIELDS,
      ...ACCOUNT_FIELDS.map((f) => `Account.${f}`),
      `(SELECT OpportunityId, ${this.opportunityFields.map((f) => `Opportunity.${f}`).join(', ')} FROM OpportunityContactRoles)`,
    ];
  }

  /** Keeps what a relationship query brought along, for this request's later batch reads. */
  private remember(rows: ReadonlyArray<z.infer<typeof ContactWithRelations>>): void {
    const memo = requestMemo();
    if (!memo) return;
    for (const row of rows) {
      if (row.Account) memo.accounts.set(row.Account.Id, row.Account);
      const roles = row.OpportunityContactRoles;
      // Salesforce sends null for an empty child set; a set cut short (not done) is not the whole list.
      if (roles && !roles.done) continue;
      const dealIds: string[] = [];
      for (const role of roles?.records ?? []) {
        if (!dealIds.includes(role.OpportunityId)) dealIds.push(role.OpportunityId);
        if (role.Opportunity) memo.opportunities.set(role.Opportunity.Id, role.Opportunity);
      }
      memo.dealIds.set(row.Id, dealIds);
    }
  }

  /** The org's API usage as the last answer told it (Sforce-Limit-Info). */
  limitInfo() {
    return this.session.limitInfo();
  }

  // ---- reads ---------------------------------------------------------------------------------------

  async getContacts(ids: readonly string[]): Promise<Array<Contact | null>> {
    const records = await this.retrieve('Contact', ids, CONTACT_FIELDS, ContactRecord);
    return records.map((r) => (r ? mapContact(r, this.mapping) : null));
  }

  /** Emails match case-insensitively (SOQL's `=` and `IN` do); the oldest contact wins a shared email. */
  async getContactsByEmail(emails: readonly string[]): Promise<Array<Contact | null>> {
    const wanted = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter((e) => e !== ''))];
    const found = new Map<string, Contact>();
    const answers = await Promise.all(
      chunk(wanted, IN_LIST_EMAILS).map((part) =>
        this.queryAll(
          select({
            fields: CONTACT_FIELDS,
            from: 'Contact',
            where: [`Email IN ${inList(part)}`],
            orderBy: 'CreatedDate, Id',
          }),
          ContactRecord,
        ),
      ),
    );
    for (const record of answers.flat()) {
      const email = record.Email?.trim().toLowerCase();
      if (email && !found.has(email)) found.set(email, mapContact(record, this.mapping));
    }
    return emails.map((e) => found.get(e.trim().toLowerCase()) ?? null);
  }

  async listContacts(page: PageRequest, filter?: ContactFilter): Promise<Page<Contact>> {
    const after = afterCondition(page, 'GET /services/data/{version}/query');
    const filters: string[] = [];
    if (filter?.email !== undefined) filters.push(`Email = ${literal(filter.email.trim())}`);
    if (filter?.createdAfter !== undefined)
      filters.push(`CreatedDate >= ${datetimeLiteral(filter.createdAfter)}`);
    if (filter?.createdBefore !== undefined)
      filters.push(`CreatedDate < ${datetimeLiteral(filter.createdBefore)}`);
    if (filter?.companyId !== undefined) {
      if (!isIdOf(KEY_PREFIX.Account, filter.companyId)) return emptyPage(page);
      filters.push(`AccountId = ${literal(filter.companyId)}`);
    }
    const [rows, total] = await Promise.all([
      this.queryPage(
        select({
          fields: this.contactWithRelations,
          from: 'Contact',
          where: after === null ? filters : [after, ...filters],
          orderBy: 'Id',
          limit: rowsFor(page),
        }),
        ContactWithRelations,
        page,
      ),
      this.totalOf('Contact', filters, page),
    ]);
    this.remember(rows);
    return { ...keysetPage(rows, page, (r) => mapContact(r, this.mapping)), totalCount: total };
  }

  async getCompanies(ids: readonly string[]): Promise<Array<Company | null>> {
    const records = await fromMemoOr(ids, requestMemo()?.accounts, (missing) =>
      this.retrieve('Account', missing, ACCOUNT_FIELDS, AccountRecord),
    );
    return records.map((r) => (r ? mapAccount(r, this.mapping) : null));
  }

  async listCompanies(page: PageRequest): Promise<Page<Company>> {
    const after = afterCondition(page, 'GET /services/data/{version}/query');
    const [rows, total] = await Promise.all([
      this.queryPage(
        select({
          fields: ACCOUNT_FIELDS,
          from: 'Account',
          where: after === null ? [] : [after],
          orderBy: 'Id',
          limit: rowsFor(page),
        }),
        AccountRecord,
        page,
      ),
      this.totalOf('Account', [], page),
    ]);
    return { ...keysetPage(rows, page, (r) => mapAccount(r, this.mapping)), totalCount: total };
  }

  async getDeals(ids: readonly string[]): Promise<Array<Deal | null>> {
    const records = await fromMemoOr(ids, requestMemo()?.opportunities, (missing) =>
      this.retrieve('Opportunity', missing, this.opportunityFields, OpportunityRecord),
    );
    return records.map((r) => (r ? mapOpportunity(r, null, this.mapping) : null));
  }

  /** Deals with their account and people in one relationship query per page. */
  async listDeals(page: PageRequest, { status, companyId }: DealFilter): Promise<Page<Deal>> {
    const after = afterCondition(page, 'GET /services/data/{version}/query');
    const filters: string[] = [];
    if (status === 'OPEN') filters.push('IsClosed = false');
    if (status === 'WON') filters.push('IsWon = true');
    if (status === 'LOST') filters.push('IsClosed = true', 'IsWon = false');
    if (companyId !== undefined) {
      if (!isIdOf(KEY_PREFIX.Account, companyId)) return emptyPage(page);
      filters.push(`AccountId = ${literal(companyId)}`);
    }
    const [rows, total] = await Promise.all([
      this.queryPage(
        select({
          fields: [...this.opportunityFields, ROLES_SUBQUERY],
          from: 'Opportunity',
          where: after === null ? filters : [after, ...filters],
          orderBy: 'Id',
          limit: rowsFor(page),
        }),
        OpportunityWithRoles,
        page,
      ),
      this.totalOf('Opportunity', filters, page),
    ]);
    const found = keysetPage(rows, page, (r) =>
      mapOpportunity(
        r,
        {
          contactId: primaryContact(r.OpportunityContactRoles?.records ?? []),
          companyId: r.AccountId ?? null,
        },
        this.mapping,
      ),
    );
    return { ...found, totalCount: total };
  }

  /** Each opportunity's account and primary contact role: one relationship query per 200 ids. */
  async dealParties(dealIds: readonly string[]): Promise<DealParties[]> {
    const valid = [...new Set(dealIds.filter((id) => isIdOf(KEY_PREFIX.Opportunity, id)))];
    const answers = await Promise.all(
      chunk(valid, IN_LIST_IDS).map((part) =>
        this.queryAll(
          select({
            fields: ['Id', 'AccountId', ROLES_SUBQUERY],
            from: 'Opportunity',
            where: [`Id IN ${inList(part)}`],
          }),
          OpportunityPartiesRecord,
        ),
      ),
    );
    const parties = new Map<string, DealParties>();
    for (const r of answers.flat()) {
      const found = {
        contactId: primaryContact(r.OpportunityContactRoles?.records ?? []),
        companyId: r.AccountId ?? null,
      };
      parties.set(r.Id, found);
      // Callers may hold the 15-character form of the id.
      parties.set(r.Id.slice(0, 15), found);
    }
    return dealIds.map((id) => parties.get(id) ?? { contactId: null, companyId: null });
  }

  /** Opportunities per contact through OpportunityContactRole: one query per 200 contacts, paged by nextRecordsUrl. */
  async dealIdsOfContacts(contactIds: readonly string[]): Promise<string[][]> {
    if (contactIds.length === 0) return [];
    const found = await fromMemoOr(contactIds, requestMemo()?.dealIds, (missing) =>
      this.readDealIds(missing),
    );
    return found.map((ids) => ids ?? []);
  }

  private async readDealIds(contactIds: readonly string[]): Promise<string[][]> {
    const valid = [...new Set(contactIds.filter((id) => isIdOf(KEY_PREFIX.Contact, id)))];
    const answers = await Promise.all(
      chunk(valid, IN_LIST_IDS).map((part) =>
        this.queryAll(
          select({
            fields: ['ContactId', 'OpportunityId'],
            from: 'OpportunityContactRole',
            where: [`ContactId IN ${inList(part)}`],
            orderBy: 'ContactId, OpportunityId',
          }),
          ContactRoleRecord,
        ),
      ),
    );
    const byContact = new Map<string, string[]>();
    for (const role of answers.flat()) {
      if (!role.ContactId) continue;
      for (const key of [role.ContactId, role.ContactId.slice(0, 15)]) {
        const list = byContact.get(key) ?? [];
        if (!list.includes(role.OpportunityId)) list.push(role.OpportunityId);
        byContact.set(key, list);
      }
    }
    return contactIds.map((id) => byContact.get(id) ?? []);
  }

  /** Creation times of the range's contacts, walked with nextRecordsUrl and bucketed here. */
  /** `Deal.stage` is the Opportunity's StageName, which is the label people see already. */
  dealStageLabels(): Promise<DealStageLabel[]> {
    return Promise.resolve([]);
  }

  async countContactsCreated(since: Date, until: Date, bucketStarts: readonly Date[]): Promise<number[]> {
    const starts = bucketStarts.map((d) => d.getTime());
    const counts = starts.map(() => 0);
    if (starts.length === 0 || !(since.getTime() < until.getTime())) return counts;
    const rows = await this.queryAll(
      select({
        fields: ['Id', 'CreatedDate'],
        from: 'Contact',
        where: [`CreatedDate >= ${datetimeLiteral(since)}`, `CreatedDate < ${datetimeLiteral(until)}`],
        orderBy: 'CreatedDate, Id',
      }),
      CreatedRecord,
    );
    for (const row of rows) {
      const t = parseSalesforceDatetime(row.CreatedDate)?.getTime();
      if (t === undefined || t < since.getTime() || t >= until.getTime()) continue;
      let i = -1;
      for (let k = 0; k < starts.length && (starts[k] ?? Infinity) <= t; k++) i = k;
      if (i >= 0) counts[i] = (counts[i] ?? 0) + 1;
    }
    return counts;
  }

  // ---- writes --------------------------------------------------------------------------------------
  // Salesforce takes no idempotency key. With the write-key field (an External ID, Unique), a create
  // is an upsert by the write's key: a repeat, or a lost attempt landing late, finds the contact the
  // first made and changes nothing, so the transport retries it like any keyed write. Without it, a
  // create is refused when a contact already has the email (as HubSpot's unique email does), which
  // makes the email the create's key: a failed attempt is repeated only after a look-up by email
  // finds no contact it made (createOnce). PATCH and DELETE repeat harmlessly.

  /**
   * Live mode, at start: the org must have the write-key field as an External ID, Unique field
   * before creates can upsert by it. The REST data API cannot create fields, so a missing or
   * misconfigured one is a line for /readyz naming what the admin creates.
   */
  async prepareWrites(): Promise<string | null> {
    const name = this.options.writeKeyField ?? null;
    if (name === null) return null;
    const { fields } = await this.client.describe('Contact');
    const field = fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    const fix =
      `create it in Setup (Object Manager → Contact → Fields & Relationships) as Text(255) with ` +
      `"External ID" and "Unique" ticked, readable and editable by the integration user, or set ` +
      `SALESFORCE_WRITE_KEY_FIELD=off; until then createCustomer fails`;
    if (!field) {
      return `salesforce: the Contact field ${name} (SALESFORCE_WRITE_KEY_FIELD) is missing in the org: ${fix}`;
    }
    const lacks = [
      ...(field.externalId === true ? [] : ['External ID']),
      ...(field.unique === true ? [] : ['Unique']),
      ...(field.createable === false || field.updateable === false
        ? ['editable by the integration user']
        : []),
    ];
    if (lacks.length === 0) return null;
    return `salesforce: the Contact field ${name} (SALESFORCE_WRITE_KEY_FIELD) is not ${lacks.join(', ')}: ${fix}`;
  }

  async createContact(input: ContactChanges, options: WriteOptions): Promise<Contact> {
    const fields = contactFields(input);
    if (!fields.LastName) {
      throw new WriteRejectedError('INVALID', 'Salesforce needs a last name for a new contact.', 'lastName');
    }
    const keyField = this.options.writeKeyField ?? null;
    const email = fields.Email;
    if (email) {
      const existing = await this.contactWithEmail(email, null, keyField);
      // A contact carrying this write's key is an earlier attempt's: the upsert below answers it.
      if (existing && (keyField === null || existing[keyField] !== options.idempotencyKey)) {
        throw new WriteRejectedError(
          'CONFLICT',
          'A contact with this email already exists.',
          'email',
          existing.Id,
        );
      }
    }
    const id =
      keyField === null
        ? await this.createOnce(fields, email)
        : await this.upsertContact(fields, keyField, options.idempotencyKey);
    return this.readContact(id);
  }

  /**
   * The create as an upsert by the write's key. A clash on the key (DUPLICATE_VALUE: another
   * attempt of this write made the contact at the same instant) or an answer without an id (204,
   * before API v46) is settled by reading the contact holding the key. A 404 is the org lacking the
   * field (/readyz says so): not the client's to fix, so it stays a provider error.
   */
  private async upsertContact(
    fields: Record<string, unknown>,
    keyField: string,
    key: string,
  ): Promise<string> {
    try {
      const { id } = await this.client.upsert('Contact', keyField, key, fields);
      if (id !== null) return id;
    } catch (error) {
      const clash =
        error instanceof ProviderError &&
        error.providerCode === 'DUPLICATE_VALUE' &&
        error.details.field?.toLowerCase() === keyField.toLowerCase();
      if (!clash) {
        if (error instanceof ProviderError && error.status === 404) throw error;
        throw writeRejection(error, 'contact');
      }
      const holder = await this.contactWithKey(keyField, key);
      if (!holder) throw error;
      return holder.Id;
    }
    const holder = await this.contactWithKey(keyField, key);
    if (holder) return holder.Id;
    // Answered as changed, yet no contact holds the key: Salesforce contradicts itself.
    throw new ProviderError({
      provider: this.name,
      code: ProviderErrorCode.BAD_RESPONSE,
      status: 204,
      retryable: false,
      endpoint: 'PATCH /services/data/{version}/sobjects/{sObject}/{field}/{value}',
    });
  }

  /** The contact carrying `key` in the write-key field. */
  private async contactWithKey(keyField: string, key: string): Promise<{ Id: string } | null> {
    const { records } = await this.client.query(
      select({ fields: ['Id'], from: 'Contact', where: [`${keyField} = ${literal(key)}`], limit: 1 }),
      IdOnly,
    );
    return records[0] ?? null;
  }

  /**
   * The create, repeated after an answer that failed (a 5xx, a timeout, a dropped connection) only
   * when no contact holds the email now: it was free just before the first attempt, so one holding
   * it is that attempt's. Without an email nothing can be asked, and a failed create is not repeated.
   */
  private async createOnce(
    fields: Record<string, unknown>,
    email: string | null | undefined,
  ): Promise<string> {
    const retries = this.options.createRetries ?? DEFAULT_RETRIES;
    for (let attempt = 0; ; attempt++) {
      try {
        return await rejecting('contact', () => this.client.create('Contact', fields));
      } catch (error) {
        if (!email || attempt >= retries || !isRetryableError(error)) throw error;
        const made = await this.contactWithEmail(email, null);
        if (made) return made.Id;
      }
    }
  }

  /** The first contact holding `email`, of those created since `since` when given, with `also` read. */
  private async contactWithEmail(
    email: string,
    since: Date | null,
    also: string | null = null,
  ): Promise<({ Id: string } & Record<string, unknown>) | null> {
    const { records } = await this.client.query(
      select({
        fields: also === null ? ['Id'] : ['Id', also],
        from: 'Contact',
        where: [
          `Email = ${literal(email)}`,
          ...(since === null ? [] : [`CreatedDate >= ${datetimeLiteral(since)}`]),
        ],
        orderBy: 'CreatedDate, Id',
        limit: 1,
      }),
      IdAndMore,
    );
    return records[0] ?? null;
  }

  /**
   * The contact carrying the write's key; with no write-key field, the contact holding the email
   * that was created since the run began.
   */
  async findCreatedContact(
    input: ContactChanges,
    options: WriteOptions & { since: Date },
  ): Promise<Contact | null> {
    const keyField = this.options.writeKeyField ?? null;
    if (keyField !== null) {
      const made = await this.contactWithKey(keyField, options.idempotencyKey);
      return made ? this.readContact(made.Id) : null;
    }
    const email = contactFields(input).Email;
    if (!email) return null;
    const made = await this.contactWithEmail(email, options.since);
    return made ? this.readContact(made.Id) : null;
  }

  async updateContact(id: string, changes: ContactChanges, _options: WriteOptions): Promise<Contact> {
    if (!isIdOf(KEY_PREFIX.Contact, id))
      throw new WriteRejectedError('NOT_FOUND', 'There is no contact with this id.');
    const fields = contactFields(changes);
    if ('LastName' in fields && !fields.LastName) {
      throw new WriteRejectedError('INVALID', 'Salesforce contacts need a last name.', 'lastName');
    }
    if (Object.keys(fields).length > 0)
      await rejecting('contact', () => this.client.update('Contact', id, fields));
    return this.readContact(id);
  }

  /** A contact Salesforce does not have (never had, or already deleted) is already where we want it. */
  async deleteContact(id: string, _options: WriteOptions): Promise<void> {
    if (!isIdOf(KEY_PREFIX.Contact, id)) return;
    try {
      await this.client.delete('Contact', id);
    } catch (error) {
      if (error instanceof ProviderError && error.code === ProviderErrorCode.NOT_FOUND) return;
      throw error;
    }
  }

  async updateDealStage(id: string, stage: string, _options: WriteOptions): Promise<Deal> {
    if (!isIdOf(KEY_PREFIX.Opportunity, id))
      throw new WriteRejectedError('NOT_FOUND', 'There is no deal with this id.');
    if (stage.trim() === '') throw new WriteRejectedError('INVALID', 'A deal stage is required.', 'stage');
    await rejecting('deal', () => this.client.update('Opportunity', id, { StageName: stage }));
    // Read back fresh, not from what this request's earlier query brought along.
    requestMemo()?.opportunities.delete(id);
    const [deal] = await this.getDeals([id]);
    if (!deal) throw new WriteRejectedError('NOT_FOUND', 'There is no deal with this id.');
    return deal;
  }

  private async readContact(id: string): Promise<Contact> {
    const [contact] = await this.getContacts([id]);
    if (!contact) throw new WriteRejectedError('NOT_FOUND', 'There is no contact with this id.');
    return contact;
  }

  async close(): Promise<void> {
    await this.session.close();
  }

  // ---- helpers -------------------------------------------------------------------------------------

  /** Ids of the type's key prefix through sObject Collections; others answer null without a call. */
  private async retrieve<T extends z.ZodType<{ Id: string }>>(
    sobject: keyof typeof KEY_PREFIX,
    ids: readonly string[],
    fields: readonly string[],
    record: T,
  ): Promise<Array<z.infer<T> | null>> {
    const valid = [...new Set(ids.filter((id) => isIdOf(KEY_PREFIX[sobject], id)))];
    if (valid.length === 0) return ids.map(() => null);
    const records = await this.client.retrieve(sobject, valid, fields, record);
    const byId = new Map<string, z.infer<T>>();
    valid.forEach((id, i) => {
      const found = records[i];
      if (found) byId.set(id, found);
    });
    return ids.map((id) => byId.get(id) ?? null);
  }

  /**
   * A query Salesforce calls malformed (MALFORMED_QUERY, INVALID_FIELD) is our bug: it stays a
   * REJECTED ProviderError, which the gateway logs and masks as PROVIDER_ERROR.
   */
  private queryAll<T extends z.ZodType>(soql: string, record: T): Promise<Array<z.infer<T>>> {
    return this.client.queryAll(soql, record, this.options.queryBatchSize);
  }

  /**
   * How many records match a list, by `SELECT COUNT()` (its `totalSize`), sent beside the page's
   * own query when the caller asked (`page.total`). A page's query cannot tell it: its `LIMIT` caps
   * `totalSize`. Unasked, no count (null), so the dashboard keeps its one query.
   */
  private async totalOf(
    sobject: 'Contact' | 'Account' | 'Opportunity',
    filters: readonly string[],
    page: PageRequest,
  ): Promise<number | null> {
    if (page.total !== true) return null;
    const counted = await this.client.query(
      select({ fields: ['COUNT()'], from: sobject, where: filters }),
      IdOnly,
    );
    return counted.totalSize;
  }

  private async queryPage<T extends z.ZodType>(
    soql: string,
    record: T,
    page: PageRequest,
  ): Promise<Array<z.infer<T>>> {
    if (!(page.limit >= 1)) return [];
    return (await this.client.query(soql, record)).records;
  }
}
