import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { json, route, type RouteDef } from '../../http/route.js';
import { posthogError, validationError } from '../errors.js';

/** The project token (`phc_…`) capture accepts: a fixed development value, like the other sandbox keys. */
export const POSTHOG_PROJECT_TOKEN = 'phc_ConcordSandbox0000000000000000000000000000000';

/** An event as accepted by capture (once per uuid); kept so tests can read what came in. */
export interface CapturedEvent {
  uuid: string;
  event: string;
  distinctId: string;
  properties: Record<string, unknown>;
  /** Epoch ms: the event's own `timestamp` when given, else when it arrived. */
  timestamp: number;
}

const CaptureBody = z.looseObject({
  api_key: z.string().optional().describe('The project token (phc_…)'),
  token: z.string().optional().describe('Alternative name for the project token'),
  event: z.string().min(1).describe('Event name'),
  distinct_id: z.union([z.string(), z.number()]).optional().describe('Who did it'),
  properties: z.record(z.string(), z.unknown()).optional().describe('Event properties'),
  timestamp: z.iso.datetime({ offset: true }).optional().describe('When it happened (ISO 8601)'),
  uuid: z.uuid().optional().describe('Client-chosen event id'),
});

/**
 * PostHog's public capture endpoint: no personal key, the project token in the body, `{status: 1}`
 * on success. Every accepted event goes to `accept`, which stores it (the simulator makes it visible
 * to the Query API and the events list) unless its uuid was captured before: PostHog dedupes by uuid,
 * and still answers `{status: 1}` to the repeat.
 */
export function captureRoutes(accept: (event: CapturedEvent) => void): RouteDef[] {
  return ['/i/v0/e/', '/capture/'].map((path) =>
    route({
      method: 'POST',
      path,
      operationId: path === '/capture/' ? 'capture_legacy' : 'capture',
      summary: 'Capture one event with the project token (no personal API key)',
      tags: ['capture'],
      public: true,
      body: CaptureBody,
      responses: { 200: '{"status": 1}', 400: 'Bad event', 401: 'Unknown project token' },
      handle: ({ body }) => {
        const properties = body.properties ?? {};
        const token = body.api_key ?? body.token ?? properties.token;
        if (token !== POSTHOG_PROJECT_TOKEN) {
          return posthogError(
            401,
            'authentication_error',
            'invalid_api_key',
            'Project API key invalid. You can find your project API key in PostHog project settings.',
          );
        }
        const distinctId = body.distinct_id ?? properties.distinct_id;
        if (distinctId === undefined || distinctId === '') {
          return validationError(
            'The distinct_id field is missing from the event.',
            'distinct_id',
            'required',
          );
        }
        accept({
          uuid: body.uuid ?? randomUUID(),
          event: body.event,
          distinctId: String(distinctId as string | number),
          properties,
          timestamp: body.timestamp ? Date.parse(body.timestamp) : Date.now(),
        });
        return json(200, { status: 1 });
      },
    }),
  );
}
