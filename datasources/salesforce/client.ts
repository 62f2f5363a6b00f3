import type { z } from 'zod';
import type { SalesforceSession } from './session.js';
import {
  CreateResult,
  DeletedResult,
  DescribeResult,
  NoContent,
  UpdatedResult,
  UpsertResult,
  queryResult,
  retrieveResult,
  type QueryResult,
} from './wire.js';

/** Salesforce's own limits (FACTS §4, §7.2). */
export const SALESFORCE_LIMITS = {
  /** sObject Collections retrieve (POST): ids per call. */
  retrieveIds: 2_000,
  /** Records per query page: Sforce-Query-Options batchSize bounds (default and maximum 2,000). */
  queryBatchMin: 200,
  queryBatchMax: 2_000,
} as const;

export type SObject = 'Contact' | 'Account' | 'Opportunity' | 'OpportunityContactRole';

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Only Salesforce's own data paths are followed from a `nextRecordsUrl`. */
const NEXT_RECORDS = /^\/services\/data\/v\d+\.\d\/query(All)?\/[A-Za-z0-9]+-\d+$/;

/**
 * Salesforce's REST endpoints, over the session (token, instance, transport). Reads are safe to
 * repeat: the Collections retrieve is a POST that only reads, and is marked so.
 */
export class SalesforceClient {
  private readonly base: string;

  constructor(
    private readonly session: SalesforceSession,
    readonly apiVersion: string,
  ) {
    this.base = `/services/data/v${apiVersion}`;
  }

  /** One page of a SOQL query; `batchSize` is a hint (Sforce-Query-Options), not a promise. */
  async query<T extends z.ZodType>(
    soql: string,
    record: T,
    options: { batchSize?: number; all?: boolean } = {},
  ): Promise<QueryResult<z.infer<T>>> {
    const resource = options.all ? 'queryAll' : 'query';
    const batch = options.batchSize;
    const res = await this.session.request({
      method: 'GET',
      path: `${this.base}/${resource}`,
      endpoint: `GET /services/data/{version}/${resource}`,
      query: { q: soql },
      ...(batch === undefined
        ? {}
        : {
            headers: {
              'sforce-query-options': `batchSize=${Math.min(
                SALESFORCE_LIMITS.queryBatchMax,
                Math.max(SALESFORCE_LIMITS.queryBatchMin, Math.floor(batch)),
              )}`,
            },
          }),
      schema: queryResult(record),
    });
    return res.body as QueryResult<z.infer<T>>;
  }

  /** The page a `nextRecordsUrl` points at. */
  async queryMore<T extends z.ZodType>(nextRecordsUrl: string, record: T): Promise<QueryResult<z.infer<T>>> {
    if (!NEXT_RECORDS.test(nextRecordsUrl)) {
      throw new Error(`not a Salesforce query locator: ${nextRecordsUrl.slice(0, 80)}`);
    }
    const res = await this.session.request({
      method: 'GET',
      path: nextRecordsUrl,
      endpoint: 'GET /services/data/{version}/query/{locator}',
      schema: queryResult(record),
    });
    return res.body as QueryResult<z.infer<T>>;
  }

  /** Every record of a query: its first page, then each `nextRecordsUrl` until `done`. */
  async queryAll<T extends z.ZodType>(
    soql: string,
    record: T,
    batchSize: number = SALESFORCE_LIMITS.queryBatchMax,
  ): Promise<Array<z.infer<T>>> {
    let page = await this.query(soql, record, { batchSize });
    const records = [...page.records];
    while (!page.done && page.nextRecordsUrl) {
      page = await this.queryMore(page.nextRecordsUrl, record);
      records.push(...page.records);
    }
    return records;
  }

  /**
   * Records by id through sObject Collections (≤2,000 ids a call, chunks sent together), in the
   * order asked, null where Salesforce has none (or the id is not one it can read).
   */
  async retrieve<T extends z.ZodType>(
    sobject: SObject,
    ids: readonly string[],
    fields: readonly string[],
    record: T,
  ): Promise<Array<z.infer<T> | null>> {
    const chunks = chunk(ids, SALESFORCE_LIMITS.retrieveIds);
    const answers = await Promise.all(
      chunks.map(async (part) => {
        const res = await this.session.request({
          method: 'POST',
          path: `${this.base}/composite/sobjects/${sobject}`,
          endpoint: `POST /services/data/{version}/composite/sobjects/{sObject}`,
          body: { ids: part, fields },
          schema: retrieveResult(record),
          idempotent: true,
        });
        return res.body as Array<z.infer<T> | null>;
      }),
    );
    return answers.flat();
  }

  /** Creates one record; never retried (a plain create takes no key: see `upsert`). */
  async create(sobject: SObject, fields: Record<string, unknown>): Promise<string> {
    const res = await this.session.request({
      method: 'POST',
      path: `${this.base}/sobjects/${sobject}/`,
      endpoint: `POST /services/data/{version}/sobjects/{sObject}`,
      body: fields,
      schema: CreateResult,
    });
    return res.body.id;
  }

  /**
   * Creates the record whose External ID `field` holds `value`, or sets the fields of the one that
   * does: repeated, it finds what the first attempt made and changes nothing, so the transport may
   * retry it. The id is null when an old API version answered a change with 204.
   */
  async upsert(
    sobject: SObject,
    field: string,
    value: string,
    fields: Record<string, unknown>,
  ): Promise<{ id: string | null; created: boolean | null }> {
    const res = await this.session.request({
      method: 'PATCH',
      path: `${this.base}/sobjects/${sobject}/${encodeURIComponent(field)}/${encodeURIComponent(value)}`,
      endpoint: `PATCH /services/data/{version}/sobjects/{sObject}/{field}/{value}`,
      body: fields,
      schema: UpsertResult,
      idempotent: true,
    });
    const body = res.body;
    return { id: body?.id ?? null, created: body?.created ?? (res.status === 201 ? true : null) };
  }

  /** An sObject's fields as the org has them (custom fields included). */
  async describe(sobject: SObject): Promise<DescribeResult> {
    const res = await this.session.request({
      method: 'GET',
      path: `${this.base}/sobjects/${sobject}/describe`,
      endpoint: `GET /services/data/{version}/sobjects/{sObject}/describe`,
      schema: DescribeResult,
    });
    return res.body;
  }

  /** Sets fields of one record (204); the same values written twice leave the same record. */
  async update(sobject: SObject, id: string, fields: Record<string, unknown>): Promise<void> {
    await this.session.request({
      method: 'PATCH',
      path: `${this.base}/sobjects/${sobject}/${encodeURIComponent(id)}`,
      endpoint: `PATCH /services/data/{version}/sobjects/{sObject}/{id}`,
      body: fields,
      schema: NoContent,
      idempotent: true,
    });
  }

  /** Deletes one record (204); a repeat answers 404 ENTITY_IS_DELETED, which callers treat as done. */
  async delete(sobject: SObject, id: string): Promise<void> {
    await this.session.request({
      method: 'DELETE',
      path: `${this.base}/sobjects/${sobject}/${encodeURIComponent(id)}`,
      endpoint: `DELETE /services/data/{version}/sobjects/{sObject}/{id}`,
      schema: NoContent,
      idempotent: true,
    });
  }

  /** Ids changed in [start, end) at a one-minute grain (Get Updated, FACTS §7.1). */
  async updated(sobject: SObject, start: Date, end: Date): Promise<z.infer<typeof UpdatedResult>> {
    const res = await this.session.request({
      method: 'GET',
      path: `${this.base}/sobjects/${sobject}/updated/`,
      endpoint: `GET /services/data/{version}/sobjects/{sObject}/updated`,
      query: { start: start.toISOString(), end: end.toISOString() },
      schema: UpdatedResult,
    });
    return res.body;
  }

  /** Ids deleted in [start, end) (Get Deleted). */
  async deleted(sobject: SObject, start: Date, end: Date): Promise<z.infer<typeof DeletedResult>> {
    const res = await this.session.request({
      method: 'GET',
      path: `${this.base}/sobjects/${sobject}/deleted/`,
      endpoint: `GET /services/data/{version}/sobjects/{sObject}/deleted`,
      query: { start: start.toISOString(), end: end.toISOString() },
      schema: DeletedResult,
    });
    return res.body;
  }
}
