import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import { orSalesforceError } from '../errors.js';
import { apiVersion, versionList } from '../versions.js';
import { versionParam, type TwinState } from './common.js';

/** The versions list, a version's resource directory and `/limits`. */
export function dataRoutes(twin: TwinState): RouteDef[] {
  const versions = route({
    method: 'GET',
    path: '/services/data',
    operationId: 'listVersions',
    summary: 'Every API version the org serves (no session needed)',
    tags: ['Versions'],
    public: true,
    responses: { 200: 'Array of {label, url, version}' },
    handle: () => ({ status: 200, body: versionList() }),
  });
  const resources = route({
    method: 'GET',
    path: '/services/data/{version}',
    operationId: 'listResources',
    summary: "A version's resources",
    tags: ['Versions'],
    params: z.object({ version: versionParam }),
    responses: { 200: 'Resource name → URL', 404: 'NOT_FOUND' },
    handle: ({ params }) =>
      orSalesforceError(() => {
        const base = `/services/data/v${apiVersion(params.version)}`;
        const body = Object.fromEntries(
          ['sobjects', 'query', 'queryAll', 'composite', 'limits'].map((name) => [name, `${base}/${name}`]),
        );
        return { status: 200, body };
      }),
  });
  const limits = route({
    method: 'GET',
    path: '/services/data/{version}/limits',
    operationId: 'limits',
    summary:
      "The org's limits: DailyApiRequests (the rolling 24-hour allocation) and the rest as fixed values",
    tags: ['Limits'],
    params: z.object({ version: versionParam }),
    responses: { 200: 'Limit name → {Max, Remaining}', 404: 'NOT_FOUND' },
    handle: ({ params }) =>
      orSalesforceError(() => {
        apiVersion(params.version);
        const { used, max } = twin.usage();
        return {
          status: 200,
          body: {
            ConcurrentAsyncGetReportInstances: { Max: 200, Remaining: 200 },
            ConcurrentSyncReportRuns: { Max: 20, Remaining: 20 },
            DailyApiRequests: { Max: max, Remaining: Math.max(0, max - used) },
            DailyAsyncApexExecutions: { Max: 250_000, Remaining: 250_000 },
            DailyBulkApiBatches: { Max: 15_000, Remaining: 15_000 },
            DataStorageMB: { Max: 1024, Remaining: 1000 },
            FileStorageMB: { Max: 1024, Remaining: 1024 },
          },
        };
      }),
  });
  return [versions, resources, limits];
}
