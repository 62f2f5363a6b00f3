import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import { SalesforceError, orSalesforceError } from '../errors.js';
import { formatDateTime } from '../records.js';
import { apiVersion } from '../versions.js';
import { sobjectParam, versionParam, type TwinState } from './common.js';
import { sobjectOf } from './sobjects.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far back each resource reaches (FACTS §7.1): updated 30 days, deleted 15. */
export const REPLICATION_DAYS = { updated: 30, deleted: 15 } as const;
/** Over this many ids the window must be shortened. */
const MAX_IDS = 600_000;

const Window = z.object({
  start: z.string().optional().describe('UTC ISO-8601 dateTime; seconds are dropped'),
  end: z.string().optional().describe('UTC ISO-8601 dateTime; seconds are dropped'),
});

function parseTime(name: string, raw: string | undefined): number {
  const t = raw === undefined ? NaN : Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(t)) {
    throw new SalesforceError(
      400,
      'INVALID_REPLICATION_DATE',
      `${name} date time is missing or not a valid dateTime: ${raw ?? ''}`,
    );
  }
  return Math.floor(t / MINUTE) * MINUTE;
}

/** The window with Salesforce's checks: minute grain, start before end, within the reach back. */
function windowOf(twin: TwinState, query: z.output<typeof Window>, days: number) {
  const start = parseTime('start', query.start);
  const end = parseTime('end', query.end);
  const now = Math.floor(twin.clock() / MINUTE) * MINUTE;
  if (start >= end)
    throw new SalesforceError(
      400,
      'INVALID_REPLICATION_DATE',
      'startDate must chronologically precede endDate',
    );
  const earliest = now - days * DAY;
  if (start < earliest) {
    throw new SalesforceError(
      400,
      'INVALID_REPLICATION_DATE',
      `startDate cannot be more than ${days} days ago`,
    );
  }
  return { start, end: Math.min(end, now), earliest };
}

/** Get Updated and Get Deleted: ids changed in a window, for polling without webhooks. */
export function changeRoutes(twin: TwinState): RouteDef[] {
  const updated = route({
    method: 'GET',
    path: '/services/data/{version}/sobjects/{sobject}/updated',
    operationId: 'getUpdated',
    summary: 'Ids of records whose SystemModstamp lies in [start, end) (minute grain, 30 days back)',
    tags: ['Replication'],
    params: z.object({ version: versionParam, sobject: sobjectParam }),
    query: Window,
    responses: { 200: '{ids, latestDateCovered}', 400: 'INVALID_REPLICATION_DATE, EXCEEDED_ID_LIMIT' },
    handle: ({ params, query }) =>
      orSalesforceError(() => {
        apiVersion(params.version);
        const sobject = sobjectOf(params.sobject, twin.store.sobjects);
        const { start, end } = windowOf(twin, query, REPLICATION_DAYS.updated);
        const ids = twin.store.updatedBetween(sobject.name, start, end).map((r) => r.id);
        if (ids.length > MAX_IDS)
          throw new SalesforceError(400, 'EXCEEDED_ID_LIMIT', 'too many ids; shorten the time window');
        return { status: 200, body: { ids, latestDateCovered: formatDateTime(end) } };
      }),
  });
  const deleted = route({
    method: 'GET',
    path: '/services/data/{version}/sobjects/{sobject}/deleted',
    operationId: 'getDeleted',
    summary: 'Records deleted in [start, end) (minute grain, 15 days back)',
    tags: ['Replication'],
    params: z.object({ version: versionParam, sobject: sobjectParam }),
    query: Window,
    responses: {
      200: '{deletedRecords, earliestDateAvailable, latestDateCovered}',
      400: 'INVALID_REPLICATION_DATE',
    },
    handle: ({ params, query }) =>
      orSalesforceError(() => {
        apiVersion(params.version);
        const sobject = sobjectOf(params.sobject, twin.store.sobjects);
        const { start, end, earliest } = windowOf(twin, query, REPLICATION_DAYS.deleted);
        const deletedRecords = twin.store
          .deletedBetween(sobject.name, start, end)
          .map((r) => ({ id: r.id, deletedDate: formatDateTime(r.deletedAt as number) }));
        return {
          status: 200,
          body: {
            deletedRecords,
            earliestDateAvailable: formatDateTime(earliest),
            latestDateCovered: formatDateTime(end),
          },
        };
      }),
  });
  return [updated, deleted];
}
