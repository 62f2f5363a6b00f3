import { z } from 'zod';
import { route, type Reply, type RouteDef } from '../../http/route.js';
import type { WebhookEmitter } from '../../webhooks/emitter.js';
import { HubSpotValidationError, orValidationError } from '../errors.js';
import type { HubObject } from '../objects.js';
import { PropertyRegistry } from '../properties.js';
import type { HubSpotStore } from '../store.js';
import { objectTypeOf, okJson } from './common.js';
import { checkProperties, conflict as conflictWith, eventType, normalise, writtenView } from './writes.js';

/** HubSpot's batch write limit (FACTS §2: 100 inputs per batch). */
export const BATCH_UPDATE_LIMIT = 100;

const SINGULAR_UPPER: Record<string, string> = { contacts: 'CONTACT', companies: 'COMPANY', deals: 'DEAL' };

/** The first email in the batch that another contact holds, or that two inputs give, as the single update's 409. */
function emailConflict(
  store: HubSpotStore,
  inputs: readonly { id: string; properties: Record<string, string | number | boolean | null> }[],
): Reply | null {
  const claimed = new Map<string, string>();
  for (const input of inputs) {
    const email = normalise(input.properties).email;
    if (typeof email !== 'string') continue;
    const holder = store.contactsByEmail.get(email);
    if (holder && holder.id !== input.id) return conflictWith(holder);
    const other = claimed.get(email);
    if (other !== undefined && other !== input.id) {
      const first = store.byId.contacts.get(other);
      if (first) return conflictWith(first);
    }
    claimed.set(email, input.id);
  }
  return null;
}

const BatchUpdateBody = z.object({
  inputs: z
    .array(
      z
        .object({
          id: z.union([z.string(), z.number()]).transform(String),
          properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
          objectWriteTraceId: z.string().optional(),
        })
        .strict(),
    )
    .describe('[{id, properties}], at most 100'),
});

/**
 * `POST /crm/v3/objects/{type}/batch/update` (the client's `batchApi.update`). The whole batch is
 * checked first, as HubSpot validates a batch before writing: too many inputs, a repeated id or an
 * unknown or read-only property anywhere is a 400 and nothing changes. Ids that are not there come
 * back as a 207 with HubSpot's OBJECT_NOT_FOUND error while the others are written. A contact email
 * another contact holds (or two inputs give) is the single update's 409 CONFLICT, for the whole batch.
 */
export function batchUpdateRoutes(
  store: HubSpotStore,
  webhooks: WebhookEmitter | undefined,
  /** The portal's property definitions (the properties API changes the custom ones). */
  known: PropertyRegistry = new PropertyRegistry(),
): RouteDef[] {
  const update = route({
    method: 'POST',
    path: '/crm/v3/objects/{objectType}/batch/update',
    operationId: 'batchUpdateObjects',
    summary: 'Update up to 100 objects by id; 207 lists the ids that were not found',
    tags: ['Batch'],
    params: z.object({ objectType: z.string().describe('contacts, companies or deals') }),
    body: BatchUpdateBody,
    responses: {
      200: 'BatchResponseSimplePublicObject',
      207: 'BatchResponseSimplePublicObjectWithErrors',
      400: 'VALIDATION_ERROR',
    },
    handle: ({ params, body }) =>
      orValidationError(() => {
        const type = objectTypeOf(params.objectType);
        if (body.inputs.length > BATCH_UPDATE_LIMIT) {
          throw new HubSpotValidationError(
            `The maximum number of inputs supported in a batch request is ${BATCH_UPDATE_LIMIT}`,
          );
        }
        const ids = body.inputs.map((input) => input.id);
        const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
        if (repeated.length > 0) {
          throw new HubSpotValidationError(
            `Duplicate IDs found in batch input: [${[...new Set(repeated)].join(', ')}]. IDs must be unique`,
          );
        }
        for (const input of body.inputs) {
          const problem = checkProperties(known, type, input.properties);
          if (problem) return problem;
        }
        const conflict = type === 'contacts' ? emailConflict(store, body.inputs) : null;
        if (conflict) return conflict;
        const results: ReturnType<typeof writtenView>[] = [];
        const missing: string[] = [];
        for (const input of body.inputs) {
          const before: HubObject | undefined = store.byId[type].get(input.id);
          const changes = normalise(input.properties);
          const obj = before ? store.update(type, input.id, changes, Date.now()) : null;
          if (!before || !obj) {
            missing.push(input.id);
            continue;
          }
          webhooks?.emitHubSpot(
            Object.entries(changes)
              .filter(([name, value]) => (before.properties[name] ?? null) !== value)
              .map(([name, value]) => ({
                subscriptionType: eventType(type, 'propertyChange'),
                objectId: obj.id,
                propertyName: name,
                propertyValue: value ?? '',
              })),
          );
          results.push(writtenView(store, obj, Object.keys(changes)));
        }
        const timing = { startedAt: store.now, completedAt: store.now };
        if (missing.length === 0) return okJson({ status: 'COMPLETE', results, ...timing });
        const error = {
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: `Could not get some ${SINGULAR_UPPER[type] ?? type} objects, they may be deleted or not exist. Check that ids are valid.`,
          context: { ids: missing },
        };
        return okJson({ status: 'COMPLETE', results, numErrors: 1, errors: [error], ...timing }, 207);
      }),
  });
  return [update];
}
