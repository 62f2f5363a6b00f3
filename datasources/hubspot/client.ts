import type { z } from 'zod';
import { ProviderError } from '../transport/errors.js';
import type { ProviderHttpClient } from '../transport/http-client.js';
import {
  AssociationBatchSchema,
  HUBSPOT_LIMITS,
  NoContent,
  PropertySchema,
  PipelinesSchema,
  type AnyObject,
  type HubSpotClientOptions,
  type HubSpotObjectType,
  type LinkedObject,
  type ObjectSpec,
  type PropertyCreate,
  type PipelinesObject,
  type SearchRequest,
  type Slice,
} from './wire.js';

export const DEFAULT_CRM_PREFIX = '/crm/v3/objects';
export const DEFAULT_ASSOCIATIONS_PREFIX = '/crm/v4/associations';
export const PROPERTIES_PREFIX = '/crm/v3/properties';

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

  /** Every pipeline of an object type with its stages (unpaged); a GET, so retried like one. */
  async pipelines(objectType: 'deals'): Promise<PipelinesObject['results']> {
    const res = await this.http.request({
      method: 'GET',
      path: `/crm/v3/pipelines/${objectType}`,
      endpoint: 'GET /crm/v3/pipelines/{objectType}',
      schema: PipelinesSchema,
    });
    return res.body.results;
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
   * Creates one object. Never retried: HubSpot takes no idempotency key, so a repeat after a lost
   * answer could create a second object (contacts are saved by the unique email, which answers 409).
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

  /** One property definition; null when the portal has no property of that name (HubSpot's 404). */
  async property(type: HubSpotObjectType, name: string): Promise<{ name: string } | null> {
    try {
      const res = await this.http.request({
        method: 'GET',
        path: `${PROPERTIES_PREFIX}/${type}/${encodeURIComponent(name)}`,
        endpoint: `GET ${PROPERTIES_PREFIX}/{objectType}/{propertyName}`,
        schema: PropertySchema,
      });
      return res.body;
    } catch (error) {
      if (error instanceof ProviderError && error.status === 404) return null;
      throw error;
    }
  }

  /** Makes a custom property. Retried: a repeat after a lost answer is a 409 the caller takes as made. */
  async createProperty(type: HubSpotObjectType, property: PropertyCreate): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: `${PROPERTIES_PREFIX}/${type}`,
      endpoint: `POST ${PROPERTIES_PREFIX}/{objectType}`,
      body: property,
      schema: PropertySchema,
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
