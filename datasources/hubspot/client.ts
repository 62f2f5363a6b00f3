import { z } from 'zod';
import { ProviderErrorCode } from '../transport/errors.js';
import type { ErrorClassifier, ProviderHttpClient } from '../transport/http-client.js';
import { parseHubSpotDate } from './mapping.js';

/** HubSpot's own limits (FACTS §2). */
export const HUBSPOT_LIMITS = {
  batchReadInputs: 100,
  listPage: 100,
  searchPage: 200,
  searchWindow: 10_000,
  associationBatchInputs: 1000,
} as const;

export const DEFAULT_CRM_PREFIX = '/crm/v3/objects';
export const DEFAULT_ASSOCIATIONS_PREFIX = '/crm/v4/associations';

export type HubSpotObjectType = 'contacts' | 'companies' | 'deals';

// ---- schemas: only the fields Concord reads ---------------------------------------------------

/** Every HubSpot property value is a string; unset ones come as null, blank or not at all. */
const text = z.string().nullish();

/** Required by HubSpot's schema; a value we cannot read as a date is a malformed answer. */
const timestamp = z.string().refine((value) => parseHubSpotDate(value) !== null, 'not a HubSpot date');

/** HubSpot sends ids as strings in v3 and as numbers in parts of v4; both mean the same id. */
const idValue = z.union([z.string().min(1), z.number().int()]).transform(String);

/** v3 inline associations: the same id can appear once per association type name. */
const V3Associations = z.record(
  z.string(),
  z.object({ results: z.array(z.object({ id: idValue, type: z.string().optional() })) }),
);

function objectSchema<P extends z.ZodRawShape>(properties: P) {
  return z.object({
    id: idValue,
    properties: z.object(properties),
    createdAt: timestamp,
    updatedAt: timestamp.optional(),
    associations: V3Associations.optional(),
  });
}

const ContactSchema = objectSchema({
  firstname: text,
  lastname: text,
  email: text,
  phone: text,
  jobtitle: text,
  lifecyclestage: text,
  associatedcompanyid: text,
  createdate: text,
  lastmodifieddate: text,
});
const CompanySchema = objectSchema({
  name: text,
  domain: text,
  industry: text,
  city: text,
  country: text,
  numberofemployees: text,
  createdate: text,
});
const DealSchema = objectSchema({
  dealname: text,
  amount: text,
  deal_currency_code: text,
  dealstage: text,
  closedate: text,
  createdate: text,
});
/** For counting: nothing but the creation time. */
const CreatedSchema = objectSchema({ createdate: text });

export type ContactObject = z.infer<typeof ContactSchema>;
export type CompanyObject = z.infer<typeof CompanySchema>;
export type DealObject = z.infer<typeof DealSchema>;
export type CreatedObject = z.infer<typeof CreatedSchema>;

type AnyObject = z.infer<ReturnType<typeof objectSchema<z.ZodRawShape>>>;

const Paging = z.object({ next: z.object({ after: z.string() }).optional() }).optional();

/** One object type as the client reads it: the properties it asks for are exactly those it parses. */
export interface ObjectSpec<T extends AnyObject> {
  type: HubSpotObjectType;
  properties: readonly string[];
  /** One object, as create and update answer it. */
  object: z.ZodType<T>;
  batch: z.ZodType<{ results: T[] }>;
  list: z.ZodType<{ results: T[]; paging?: { next?: { after: string } | undefined } | undefined }>;
  search: z.ZodType<{
    total: number;
    results: T[];
    paging?: { next?: { after: string } | undefined } | undefined;
  }>;
}

function spec<P extends z.ZodRawShape>(
  type: HubSpotObjectType,
  schema: ReturnType<typeof objectSchema<P>>,
): ObjectSpec<z.infer<typeof schema>> {
  return {
    type,
    properties: Object.keys(schema.shape.properties.shape),
    object: schema,
    // A 207 also carries `errors`; the ids it lists are simply absent from `results`.
    batch: z.object({ results: z.array(schema) }),
    list: z.object({ results: z.array(schema), paging: Paging }),
    search: z.object({ total: z.number().int().nonnegative(), results: z.array(schema), paging: Paging }),
  };
}

export const CONTACTS = spec('contacts', ContactSchema);
/** Contacts read with the custom property that holds the idempotency key of the create that made them. */
export function contactsWithWriteKey(property: string) {
  return spec('contacts', objectSchema({ ...ContactSchema.shape.properties.shape, [property]: text }));
}
export const COMPANIES = spec('companies', CompanySchema);
export const DEALS = spec('deals', DealSchema);
export const CONTACTS_CREATED = spec('contacts', CreatedSchema);

const AssociationBatchSchema = z.object({
  results: z.array(
    z.object({
      from: z.object({ id: idValue }),
      to: z.array(
        z.object({
          toObjectId: idValue,
          associationTypes: z.array(z.object({ label: z.string().nullish() })).default([]),
        }),
      ),
      paging: Paging,
    }),
  ),
});

/** A DELETE answers 204 with no body. */
const NoContent = z.unknown();

// ---- request and answer shapes -----------------------------------------------------------------

/** An associated object, and whether HubSpot labels the association as the primary one. */
export interface LinkedObject {
  id: string;
  primary: boolean;
}

export type FilterOperator = 'EQ' | 'NEQ' | 'LT' | 'LTE' | 'GT' | 'GTE' | 'IN' | 'NOT_IN';

export interface SearchFilter {
  propertyName: string;
  operator: FilterOperator;
  value?: string;
  values?: string[];
}

export interface SearchRequest {
  /** ANDed filters; Concord never needs HubSpot's ORed groups. */
  filters: SearchFilter[];
  sorts: Array<{ propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }>;
  limit: number;
  after?: string | null;
}

/** One page as HubSpot gives it: its results and the cursor of the page after it. */
export interface Slice<T> {
  results: T[];
  next: string | null;
  /** Search only: how many objects match in all. */
  total?: number;
}

export interface HubSpotClientOptions {
  /** Objects path prefix; HubSpot also publishes date-versioned ones (`/crm/objects/2026-03`). */
  crmPrefix?: string;
  associationsPrefix?: string;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** `key` of each item once, first occurrence first. */
export function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** v3 lists an association once per type name; `*_unlabeled` is the non-primary one. */
export function linkedFromV3(
  results: ReadonlyArray<{ id: string; type?: string | undefined }> | undefined,
): LinkedObject[] {
  const merged = new Map<string, boolean>();
  for (const { id, type } of results ?? []) {
    const primary = type === undefined || !type.endsWith('_unlabeled');
    merged.set(id, (merged.get(id) ?? false) || primary);
  }
  return [...merged].map(([id, primary]) => ({ id, primary }));
}

/**
 * HubSpot's endpoints over the shared transport. Batches are split to HubSpot's limits and run
 * concurrently (the transport's pool bounds how many are in flight); pagination stays with callers.
 */
export class HubSpotClient {
  readonly crmPrefix: string;
  readonly associationsPrefix: string;

  constructor(
    private readonly http: ProviderHttpClient,
    options: HubSpotClientOptions = {},
  ) {
    this.crmPrefix = (options.crmPrefix ?? DEFAULT_CRM_PREFIX).replace(/\/$/, '');
    this.associationsPrefix = (options.associationsPrefix ?? DEFAULT_ASSOCIATIONS_PREFIX).replace(/\/$/, '');
  }

  /**
   * Objects for `keys` (ids, or values of `idProperty` such as emails), in the order asked, null
   * where HubSpot has none. Emails match case-insensitively, as HubSpot stores them lower-cased.
   */
  async batchRead<T extends AnyObject>(
    spec: ObjectSpec<T>,
    keys: readonly string[],
    idProperty?: string,
  ): Promise<Array<T | null>> {
    if (idProperty !== undefined && !spec.properties.includes(idProperty)) {
      throw new Error(`idProperty ${idProperty} is not among the properties read for ${spec.type}`);
    }
    const normalize =
      idProperty === 'email' ? (key: string) => key.trim().toLowerCase() : (key: string) => key;
    // A blank id would fail the whole chunk with a 400; it can only ever answer null.
    const unique = uniqueBy(keys.map(normalize), (key) => key).filter((key) => key !== '');
    const chunks = chunk(unique, HUBSPOT_LIMITS.batchReadInputs);
    const answers = await Promise.all(chunks.map((ids) => this.batchReadChunk(spec, ids, idProperty)));
    const found = new Map<string, T>();
    for (const obj of answers.flat()) {
      const key = idProperty === undefined ? obj.id : obj.properties[idProperty];
      if (typeof key === 'string') found.set(normalize(key), obj);
    }
    return keys.map((key) => found.get(normalize(key)) ?? null);
  }

  private async batchReadChunk<T extends AnyObject>(
    spec: ObjectSpec<T>,
    ids: readonly string[],
    idProperty: string | undefined,
  ): Promise<T[]> {
    const res = await this.http.request({
      method: 'POST',
      path: `${this.crmPrefix}/${spec.type}/batch/read`,
      endpoint: `POST ${this.crmPrefix}/{objectType}/batch/read`,
      query: { archived: 'false' },
      body: {
        inputs: ids.map((id) => ({ id })),
        properties: spec.properties,
        ...(idProperty === undefined ? {} : { idProperty }),
      },
      schema: spec.batch,
      idempotent: true,
    });
    return res.body.results;
  }

  /** One page of the plain list, by id ascending. */
  async listPage<T extends AnyObject>(
    spec: ObjectSpec<T>,
    page: { limit: number; after: string | null; associations?: readonly HubSpotObjectType[] },
  ): Promise<Slice<T>> {
    const res = await this.http.request({
      method: 'GET',
      path: `${this.crmPrefix}/${spec.type}`,
      endpoint: `GET ${this.crmPrefix}/{objectType}`,
      query: {
        limit: Math.min(page.limit, HUBSPOT_LIMITS.listPage),
        after: page.after ?? undefined,
        properties: spec.properties.join(','),
        associations: page.associations?.length ? page.associations.join(',') : undefined,
        archived: 'false',
      },
      schema: spec.list,
    });
    return { results: res.body.results, next: res.body.paging?.next?.after ?? null };
  }

  async search<T extends AnyObject>(spec: ObjectSpec<T>, request: SearchRequest): Promise<Slice<T>> {
    const res = await this.http.request({
      method: 'POST',
      path: `${this.crmPrefix}/${spec.type}/search`,
      endpoint: `POST ${this.crmPrefix}/{objectType}/search`,
      body: {
        filterGroups: request.filters.length > 0 ? [{ filters: request.filters }] : [],
        sorts: request.sorts,
        properties: spec.properties,
        limit: Math.min(request.limit, HUBSPOT_LIMITS.searchPage),
        ...(request.after ? { after: request.after } : {}),
      },
      schema: spec.search,
      idempotent: true,
    });
    return {
      results: res.body.results,
      next: res.body.paging?.next?.after ?? null,
      total: res.body.total,
    };
  }

  /**
   * Creates one object. HubSpot takes no idempotency key, so a repeat after a lost answer could
   * create a second object: only retried when the caller can tell its own earlier attempt's object
   * apart (`retrySafe`: a contact carrying its write key, whose unique email answers the repeat 409).
   */
  async create<T extends AnyObject>(
    spec: ObjectSpec<T>,
    properties: Record<string, string>,
    retrySafe = false,
  ): Promise<T> {
    const res = await this.http.request({
      method: 'POST',
      path: `${this.crmPrefix}/${spec.type}`,
      endpoint: `POST ${this.crmPrefix}/{objectType}`,
      body: { properties },
      schema: spec.object,
      idempotent: retrySafe,
    });
    return res.body;
  }

  /** Sets properties of one object; the same values written twice leave the same object, so it may be retried. */
  async update<T extends AnyObject>(
    spec: ObjectSpec<T>,
    id: string,
    properties: Record<string, string>,
  ): Promise<T> {
    const res = await this.http.request({
      method: 'PATCH',
      path: `${this.crmPrefix}/${spec.type}/${encodeURIComponent(id)}`,
      endpoint: `PATCH ${this.crmPrefix}/{objectType}/{objectId}`,
      body: { properties },
      schema: spec.object,
      idempotent: true,
    });
    return res.body;
  }

  /** Archives one object (HubSpot's delete); repeating it changes nothing more. */
  async archive(type: HubSpotObjectType, id: string): Promise<void> {
    await this.http.request({
      method: 'DELETE',
      path: `${this.crmPrefix}/${type}/${encodeURIComponent(id)}`,
      endpoint: `DELETE ${this.crmPrefix}/{objectType}/{objectId}`,
      schema: NoContent,
      idempotent: true,
    });
  }

  /**
   * Every association of each `fromIds` object to `to`: chunks of 1,000 run concurrently, then
   * objects whose list continues are asked again with their own `after` until none does.
   */
  async associations(
    from: HubSpotObjectType,
    to: HubSpotObjectType,
    fromIds: readonly string[],
  ): Promise<Map<string, LinkedObject[]>> {
    const linked = new Map<string, LinkedObject[]>();
    let inputs: Array<{ id: string; after?: string }> = uniqueBy(fromIds, (id) => id).map((id) => ({ id }));
    while (inputs.length > 0) {
      const chunks = chunk(inputs, HUBSPOT_LIMITS.associationBatchInputs);
      const answers = await Promise.all(chunks.map((part) => this.associationChunk(from, to, part)));
      const pending: Array<{ id: string; after: string }> = [];
      for (const result of answers.flat()) {
        const list = linked.get(result.from.id) ?? [];
        for (const target of result.to) {
          list.push({
            id: target.toObjectId,
            primary: target.associationTypes.some((t) => t.label === 'Primary'),
          });
        }
        linked.set(result.from.id, list);
        const after = result.paging?.next?.after;
        if (after !== undefined) pending.push({ id: result.from.id, after });
      }
      inputs = pending;
    }
    return linked;
  }

  private async associationChunk(
    from: HubSpotObjectType,
    to: HubSpotObjectType,
    inputs: ReadonlyArray<{ id: string; after?: string }>,
  ): Promise<z.infer<typeof AssociationBatchSchema>['results']> {
    const res = await this.http.request({
      method: 'POST',
      path: `${this.associationsPrefix}/${from}/${to}/batch/read`,
      endpoint: `POST ${this.associationsPrefix}/{fromObjectType}/{toObjectType}/batch/read`,
      // A 207 lists objects without associations under `errors`; they simply have none.
      body: { inputs },
      schema: AssociationBatchSchema,
      idempotent: true,
    });
    return res.body.results;
  }
}

// ---- errors --------------------------------------------------------------------------------------

const ErrorBody = z.object({
  category: z.string().optional(),
  /** The 429 body has no category; it names the limit instead. */
  errorType: z.string().optional(),
  policyName: z.string().optional(),
  message: z.string().optional(),
  errors: z.array(z.object({ in: z.string().optional() })).optional(),
});

/** HubSpot names the contact holding a taken email only in the 409's message text. */
const EXISTING_ID = /Existing ID: (\d+)/;
/** "Property values were not valid: [{…,"name":"email"}]" lists the properties at fault as JSON. */
const PROPERTY_NAME = /"name":"([A-Za-z0-9_]+)"/;

/** The property at fault and the id already holding a unique value, when the body says. */
export function hubspotErrorDetails(body: z.infer<typeof ErrorBody>): Record<string, string> {
  const details: Record<string, string> = {};
  const existingId = body.category === 'CONFLICT' ? EXISTING_ID.exec(body.message ?? '')?.[1] : undefined;
  if (existingId !== undefined) details.existingId = existingId;
  const property =
    body.errors?.find((e) => e.in !== undefined)?.in ?? PROPERTY_NAME.exec(body.message ?? '')?.[1];
  if (property !== undefined) details.property = property;
  return details;
}

const CATEGORY_CODES: Record<string, { code: ProviderErrorCode; retryable: boolean }> = {
  RATE_LIMITS: { code: ProviderErrorCode.RATE_LIMITED, retryable: true },
  OBJECT_NOT_FOUND: { code: ProviderErrorCode.NOT_FOUND, retryable: false },
  INVALID_AUTHENTICATION: { code: ProviderErrorCode.UNAUTHORIZED, retryable: false },
  MISSING_SCOPES: { code: ProviderErrorCode.UNAUTHORIZED, retryable: false },
  VALIDATION_ERROR: { code: ProviderErrorCode.REJECTED, retryable: false },
};

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

/** Reads HubSpot's error body (`category`, or the 429's `errorType`/`policyName`) and rate headers. */
export const classifyHubSpotError: ErrorClassifier = (status, body, headers) => {
  const parsed = ErrorBody.safeParse(body);
  const { category, errorType, policyName } = parsed.success ? parsed.data : {};
  const providerCode = category ?? errorType;
  const rateLimited = status === 429 || category === 'RATE_LIMITS' || errorType === 'RATE_LIMIT';
  if (!rateLimited) {
    const mapped = category === undefined ? undefined : CATEGORY_CODES[category];
    const details = parsed.success ? hubspotErrorDetails(parsed.data) : {};
    return {
      ...mapped,
      ...(providerCode === undefined ? {} : { providerCode }),
      ...(Object.keys(details).length === 0 ? {} : { details }),
    };
  }
  // The daily quota resets at the account's midnight: retrying within this request cannot help.
  const retryable = policyName !== 'DAILY';
  const intervalMs =
    headers['retry-after'] === undefined
      ? positiveInt(headers['x-hubspot-ratelimit-interval-milliseconds'])
      : undefined;
  return {
    code: ProviderErrorCode.RATE_LIMITED,
    retryable,
    ...(intervalMs === undefined ? {} : { retryAfterMs: intervalMs }),
    providerCode: providerCode ?? 'RATE_LIMITS',
  };
};
