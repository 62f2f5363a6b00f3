import type { z } from 'zod';
import type express from 'express';
import type { SimulatorContext } from '../context.js';
import type { ProviderProtocol } from '../http/provider.js';
import type { RouteDef } from '../http/route.js';
import { QueryCursors } from './cursors.js';
import { LateWrites, type LandedWrite } from './late-writes.js';
import { SESSION_EXPIRED, sfError } from './errors.js';
import { SalesforceOAuth, type OAuthState } from './oauth.js';
import { changeRoutes } from './routes/changes.js';
import { collectionRoutes } from './routes/collections.js';
import type { TwinState } from './routes/common.js';
import { dataRoutes } from './routes/data.js';
import { oauthRoutes } from './routes/oauth.js';
import { queryRoutes } from './routes/query.js';
import { sobjectRoutes } from './routes/sobjects.js';
import { upsertRoutes } from './routes/upsert.js';
import { orgSObjects } from './schema.js';
import { DEFAULT_SALESFORCE_TWIN, type SalesforceTwinSettings } from './settings.js';
import { SalesforceStore } from './store.js';
import { ApiUsage, dailyLimit } from './usage.js';

export { DEFAULT_SALESFORCE_TWIN, SALESFORCE_TWIN_ENV, salesforceTwinSettings } from './settings.js';
export type { SalesforceTwinSettings } from './settings.js';
export { seededIds as salesforceSeededIds } from './seed.js';
export { WRITE_KEY_FIELD as SALESFORCE_WRITE_KEY_FIELD } from './schema.js';
export type { LandedWrite } from './late-writes.js';

/** What tests and the admin endpoints can do to the org beyond its API. */
export interface SalesforceTwinControls {
  /** Session settings now, and how many tokens are live. */
  oauth(): OAuthState;
  /** Changes the session timeout or refresh-token rotation for tokens issued from now on. */
  configureOAuth(patch: { accessTokenTtlMs?: number; rotateRefreshTokens?: boolean }): OAuthState;
  /** Ends every session at once (as if the timeout passed); refresh tokens stay valid. */
  expireAccessTokens(): void;
  /** Revokes one refresh token, or every one, with the sessions issued from it. */
  revokeRefreshTokens(token?: string): number;
  /**
   * The next `count` record creates or upserts are answered 503 at once and carried out later: just
   * before the next write reaches the org, or after `afterMs` (a lost write landing late).
   */
  landWritesLate(count: number, afterMs: number): void;
  /** Late writes still to land, and how the landed ones turned out. */
  lateWrites(): { pending: number; landed: LandedWrite[] };
}

export interface SalesforceTwin {
  protocol: ProviderProtocol;
  controls: SalesforceTwinControls;
  /** `/__sandbox/oauth…` admin routes. */
  admin(router: express.Router): void;
}

function fieldOf(issue: z.core.$ZodIssue): string {
  return issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
}

/** No route for the OAuth and version-list endpoints counts against the org's API allocation. */
function countsAgainstAllocation(route: RouteDef): boolean {
  return route.path.startsWith('/services/data/{version}');
}

/** The Salesforce REST API twin (sObjects, SOQL, Collections, replication, OAuth 2.0) over the seeded data set. */
export function createSalesforceTwin(
  ctx: SimulatorContext,
  settings: SalesforceTwinSettings = DEFAULT_SALESFORCE_TWIN,
): SalesforceTwin {
  const clock = ctx.clock ?? Date.now;
  const store = new SalesforceStore(ctx.dataset, orgSObjects(settings.writeKeyField));
  const late = new LateWrites();
  const oauth = new SalesforceOAuth(settings, clock);
  const usage = new ApiUsage(settings.dailyApiRequests, clock);
  const daily = [dailyLimit(settings.dailyApiRequests)];
  const twin: TwinState = {
    store,
    oauth,
    cursors: new QueryCursors(clock),
    clock,
    late,
    usage: () => ({ used: usage.used(), max: usage.max }),
  };
  const protocol: ProviderProtocol = {
    name: 'salesforce',
    title: 'Salesforce REST API',
    routes: [
      ...oauthRoutes(twin),
      ...dataRoutes(twin),
      ...queryRoutes(twin),
      ...changeRoutes(twin),
      ...collectionRoutes(twin),
      ...sobjectRoutes(twin),
      ...upsertRoutes(twin),
    ],
    authenticate(headers) {
      const match = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
      if (!match || !oauth.accepts(match[1] as string)) return { ok: false, reply: SESSION_EXPIRED() };
      usage.record();
      // The allocation is the org's, whichever session spends it.
      return { ok: true, credential: 'org' };
    },
    invalid(issues, where) {
      const first = issues[0];
      const detail = first ? `${fieldOf(first)}: ${first.message}` : 'invalid request';
      return where === 'body'
        ? sfError(400, 'JSON_PARSER_ERROR', `Cannot deserialize the request body: ${detail}`)
        : sfError(
            400,
            'INVALID_PARAMETER_VALUE',
            `Invalid ${where === 'query' ? 'parameter' : 'path'}: ${detail}`,
          );
    },
    unknownRoute: () => sfError(404, 'NOT_FOUND', 'The requested resource does not exist'),
    serverError: () =>
      sfError(
        500,
        'UNKNOWN_EXCEPTION',
        'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)',
      ),
    unavailable: () => sfError(503, 'SERVER_UNAVAILABLE', 'Server unavailable, please try again later.'),
    // Salesforce has no 429: an exhausted allocation (or the rate-limit knob) is 403 REQUEST_LIMIT_EXCEEDED, with no Retry-After.
    rateLimited: () => sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
    documentedLimits: (route) => (countsAgainstAllocation(route) ? daily : []),
    malformedBody: () =>
      sfError(
        400,
        'JSON_PARSER_ERROR',
        "Unexpected character: expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false') at [line:1, column:1]",
      ),
    responseHeaders: (state) => usage.header(state),
    securitySchemes: {
      oauth2: {
        type: 'oauth2',
        flows: {
          clientCredentials: { tokenUrl: '/services/oauth2/token', scopes: { api: 'Access the REST API' } },
        },
        description:
          'Access token from /services/oauth2/token (refresh_token, client_credentials or password grant)',
      },
    },
  };
  const controls: SalesforceTwinControls = {
    oauth: () => oauth.state(),
    configureOAuth: (patch) => oauth.configure(patch),
    expireAccessTokens: () => oauth.expireAccessTokens(),
    revokeRefreshTokens: (token) => oauth.revokeRefreshTokens(token),
    landWritesLate: (count, afterMs) => late.hold(count, afterMs),
    lateWrites: () => late.state(),
  };
  return {
    protocol,
    controls,
    admin(router) {
      router.get('/oauth', (_req, res) => {
        res.json(controls.oauth());
      });
      router.patch('/oauth', (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const ttl = body.accessTokenTtlMs;
        const rotate = body.rotateRefreshTokens;
        const badTtl = ttl !== undefined && !(typeof ttl === 'number' && Number.isInteger(ttl) && ttl > 0);
        const badRotate = rotate !== undefined && typeof rotate !== 'boolean';
        if (
          badTtl ||
          badRotate ||
          Object.keys(body).some((k) => k !== 'accessTokenTtlMs' && k !== 'rotateRefreshTokens')
        ) {
          res.status(400).json({
            error: ['expected {accessTokenTtlMs?: positive integer, rotateRefreshTokens?: boolean}'],
          });
          return;
        }
        res.json(
          controls.configureOAuth({
            ...(ttl !== undefined ? { accessTokenTtlMs: ttl as number } : {}),
            ...(rotate !== undefined ? { rotateRefreshTokens: rotate as boolean } : {}),
          }),
        );
      });
      router.post('/oauth/expire', (_req, res) => {
        controls.expireAccessTokens();
        res.json(controls.oauth());
      });
      router.get('/late-writes', (_req, res) => {
        res.json(controls.lateWrites());
      });
      router.post('/late-writes', (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const { count, afterMs } = body;
        const whole = (v: unknown, max: number) =>
          Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;
        if (!whole(count, 1_000) || !whole(afterMs, 600_000) || Object.keys(body).length !== 2) {
          res.status(400).json({ error: ['expected {count: 0–1000, afterMs: 0–600000}'] });
          return;
        }
        controls.landWritesLate(count as number, afterMs as number);
        res.json(controls.lateWrites());
      });
      router.post('/oauth/revoke', (req, res) => {
        const token = (req.body as { refreshToken?: unknown } | undefined)?.refreshToken;
        res.json({ revoked: controls.revokeRefreshTokens(typeof token === 'string' ? token : undefined) });
      });
    },
  };
}
