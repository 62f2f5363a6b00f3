import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import { batchSizeOf } from '../cursors.js';
import { SalesforceError, orSalesforceError } from '../errors.js';
import { runSoql } from '../soql/evaluate.js';
import { apiVersion } from '../versions.js';
import { versionParam, type TwinState } from './common.js';

const QueryParams = z.object({ version: versionParam });
const QueryQuery = z.object({ q: z.unknown().optional().describe('The SOQL statement') });

/** `/query` and `/queryAll` (with the Recycle Bin) and their `nextRecordsUrl` pages. */
export function queryRoutes(twin: TwinState): RouteDef[] {
  const make = (endpoint: 'query' | 'queryAll'): RouteDef[] => [
    route({
      method: 'GET',
      path: `/services/data/{version}/${endpoint}`,
      operationId: endpoint,
      summary:
        endpoint === 'query'
          ? 'Runs a SOQL statement; pages of up to Sforce-Query-Options batchSize (200–2,000) records'
          : 'Runs a SOQL statement over live and deleted (IsDeleted = true) records',
      tags: ['Query'],
      params: QueryParams,
      query: QueryQuery,
      responses: {
        200: '{totalSize, done, nextRecordsUrl?, records}',
        400: 'MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE…',
      },
      handle: ({ params, query, headers }) =>
        orSalesforceError(() => {
          const version = apiVersion(params.version);
          if (typeof query.q !== 'string') {
            throw new SalesforceError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
          }
          const result = runSoql(twin.store, query.q, {
            includeDeleted: endpoint === 'queryAll',
            now: twin.clock(),
            version,
          });
          if (result.records.length === 0)
            return { status: 200, body: { totalSize: result.totalSize, done: true, records: [] } };
          const page = twin.cursors.first(
            result.records,
            batchSizeOf(headers['sforce-query-options']),
            version,
            endpoint,
          );
          return { status: 200, body: page };
        }),
    }),
    route({
      method: 'GET',
      path: `/services/data/{version}/${endpoint}/{locator}`,
      operationId: `${endpoint}More`,
      summary: 'The next page of a query, by its nextRecordsUrl (`01g…-2000`)',
      tags: ['Query'],
      params: z.object({ version: versionParam, locator: z.string().describe('Query locator and offset') }),
      responses: { 200: '{totalSize, done, nextRecordsUrl?, records}', 400: 'INVALID_QUERY_LOCATOR' },
      handle: ({ params }) =>
        orSalesforceError(() => {
          const version = apiVersion(params.version);
          return { status: 200, body: twin.cursors.next(params.locator, version, endpoint) };
        }),
    }),
  ];
  return [...make('query'), ...make('queryAll')];
}
