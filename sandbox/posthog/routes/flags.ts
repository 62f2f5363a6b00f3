import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { json, route, type Reply, type RouteDef } from '../../http/route.js';
import { posthogError } from '../errors.js';
import type { FeatureFlags } from '../flags.js';
import { POSTHOG_PROJECT_TOKEN } from './capture.js';

/** What `/flags` answers for a token it does not know (the flags service's JSON, unlike capture's text). */
function invalidToken(): Reply {
  return posthogError(
    401,
    'authentication_error',
    'invalid_api_key',
    'Project API key invalid. You can find your project API key in PostHog project settings.',
  );
}

function bodyOf(raw: Buffer): unknown {
  const bytes = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  return JSON.parse(bytes.toString('utf8'));
}

/**
 * Feature flags as the server-side libraries reach them: `POST /flags/?v=2` with the project token
 * (remote evaluation: every active flag for the distinct id), and `GET /flags/definitions` with a
 * personal key (the definitions posthog-node polls to evaluate locally). Both evaluate the same
 * rollout with PostHog's hash, so local and remote evaluation agree.
 */
export function flagRoutes(flags: FeatureFlags, projectId: () => number): RouteDef[] {
  const evaluate = route({
    method: 'POST',
    path: '/flags/',
    operationId: 'flags',
    summary: 'Evaluate every active feature flag for a distinct id (project token in the body)',
    tags: ['feature flags'],
    public: true,
    query: z.object({ v: z.string().optional(), config: z.string().optional() }).loose(),
    responses: {
      200: '{flags: {key: {key, enabled, variant, reason, metadata}}, errorsWhileComputingFlags, requestId}',
      400: 'Undecodable body or no distinct_id',
      401: 'Unknown project token',
    },
    handle: ({ rawBody }) => {
      let body: unknown;
      try {
        body = bodyOf(rawBody);
      } catch {
        return posthogError(400, 'validation_error', 'malformed_request', 'Failed to decode request body.');
      }
      const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      const token = fields.token ?? fields.api_key;
      if (token !== POSTHOG_PROJECT_TOKEN) return invalidToken();
      const distinctId = fields.distinct_id;
      if (typeof distinctId !== 'string' || distinctId === '') {
        return posthogError(
          400,
          'validation_error',
          'missing_distinct_id',
          'The distinct_id field is missing.',
        );
      }
      return json(200, {
        flags: flags.evaluate(distinctId),
        errorsWhileComputingFlags: false,
        requestId: randomUUID(),
      });
    },
  });

  const definitions = route({
    method: 'GET',
    path: '/flags/definitions',
    operationId: 'flagDefinitions',
    summary: 'Feature flag definitions for local evaluation (personal API key)',
    tags: ['feature flags'],
    query: z.object({ token: z.string().optional(), send_cohorts: z.string().optional() }).loose(),
    responses: { 200: '{flags, group_type_mapping, cohorts}', 401: 'No or wrong personal key or token' },
    handle: ({ query }) => {
      if (query.token !== undefined && query.token !== POSTHOG_PROJECT_TOKEN) return invalidToken();
      return json(200, flags.definitions(projectId()));
    },
  });

  return [evaluate, definitions];
}
