import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { SimulatorContext } from '../../context.js';
import { json, route, type RouteDef } from '../../http/route.js';
import { posthogError, validationError } from '../errors.js';
import { errorDetail, HOGQL_ERROR_CODES, HogQLError } from '../hogql/errors.js';
import { runHogQL } from '../hogql/execute.js';
import type { PostHogModel } from '../model.js';
import { checkProject, ProjectParams } from './common.js';

const QueryBody = z.object({
  query: z
    .looseObject({
      kind: z.string().describe('Query kind; the sandbox runs `HogQLQuery`'),
      query: z.string().optional().describe('The HogQL text'),
      values: z.record(z.string(), z.unknown()).optional().describe('Values for `{placeholders}`'),
    })
    .describe('The query node'),
  refresh: z
    .union([z.string(), z.boolean()])
    .optional()
    .describe('Cache behaviour; the sandbox always computes'),
  client_query_id: z.string().optional().describe('Caller-chosen id for the query'),
  name: z.string().optional().describe('A label for the query'),
});

export function queryRoutes(ctx: SimulatorContext, model: PostHogModel): RouteDef[] {
  const projectId = ctx.credentials.posthogProjectId;
  return [
    route({
      method: 'POST',
      path: '/api/projects/{project_id}/query/',
      operationId: 'query_create',
      readOnly: true,
      summary: 'Run a HogQL query over events (a documented subset of HogQL)',
      tags: ['query'],
      params: ProjectParams,
      body: QueryBody,
      responses: { 200: 'HogQLQueryResponse', 400: 'Invalid or unsupported query', 404: 'Unknown project' },
      handle: ({ params, body }) => {
        const wrongProject = checkProject(params.project_id, projectId);
        if (wrongProject) return wrongProject;
        const { kind, query: text, values } = body.query;
        if (kind !== 'HogQLQuery') {
          return validationError(
            `Query kind '${kind}' is not supported by the sandbox; send a HogQLQuery.`,
            'query__kind',
          );
        }
        if (text === undefined) return validationError('This field is required.', 'query__query', 'required');
        try {
          const result = runHogQL(text, model, { values: values ?? {}, now: Date.now() });
          return json(200, {
            cache_key: `cache_${createHash('sha256')
              .update(JSON.stringify([text, values ?? {}]))
              .digest('hex')
              .slice(0, 32)}`,
            is_cached: false,
            timezone: 'UTC',
            query_status: null,
            error: null,
            modifiers: {},
            ...result,
          });
        } catch (error) {
          if (!(error instanceof HogQLError)) throw error;
          return posthogError(
            400,
            'validation_error',
            HOGQL_ERROR_CODES[error.kind],
            errorDetail(error, text),
          );
        }
      },
    }),
  ];
}
