import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  GraphQLError,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type { Logger } from 'pino';
import type { Authenticate } from '../auth/authenticate.js';
import { AuthenticationError, type AuthFailure } from '../auth/errors.js';
import { COUNTED } from '../auth/middleware.js';
import type { Viewer } from '../auth/scopes.js';
import { requestLoaders, type RequestContext, type Services } from '../graphql/context.js';
import { ErrorCode } from '../errors/concord-error.js';
import type { SourceThrottle } from '../http/rate-limit.js';
import { DEFAULT_MAX_JSON_DEPTH, jsonDepthOver } from '../http/refusals.js';
import { costRefusal, type CostOptions } from '../limits/cost.js';
import { TrustedDocumentCode, type TrustedDocumentStore } from '../graphql/trusted-documents.js';
import { Gate, gatedSubscribe } from './fan-out.js';
import type { SubscriptionSettings } from './settings.js';
import { serveGraphqlWs, type SocketExtra } from './ws-transport.js';

export interface SubscriptionServerOptions {
  server: Server;
  path: string;
  schema: GraphQLSchema;
  services: Services;
  authenticate: Authenticate;
  /** The same pre-execution checks as HTTP queries (depth, aliases, directives). */
  validationRules: readonly ValidationRule[];
  /** The same cost limit as HTTP queries, with the subscription's variables. */
  cost: CostOptions;
  settings: SubscriptionSettings;
  /** The largest WebSocket message read (the HTTP body limit). */
  maxPayload: number;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  logger: Logger;
  /** Allow-listed-only mode: only these documents may run, over WebSocket as over HTTP. */
  trustedOnly: TrustedDocumentStore | null;
  /** Failed authentications per source address, the same buckets as HTTP's; null: unthrottled. */
  authFailures?: SourceThrottle | null;
}

/** Set once the connection is authenticated: who it is, which operations it has open, when it must end. */
type ConnectionState = SocketExtra & {
  viewer?: Viewer;
  open?: Set<string>;
  expiry?: NodeJS.Timeout;
};

/**
 * Open subscriptions per client (API key name or JWT subject) on this replica, over all the
 * client's connections: one token cannot hold thousands of listeners by opening many sockets.
 */
export class ClientSubscriptions {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes a place for `client`; false when it already has `max`. */
  take(client: string): boolean {
    const held = this.open.get(client) ?? 0;
    if (held >= this.max) return false;
    this.open.set(client, held + 1);
    return true;
  }

  release(client: string): void {
    const held = this.open.get(client) ?? 0;
    if (held <= 1) this.open.delete(client);
    else this.open.set(client, held - 1);
  }
}

/** The close code graphql-ws gives a connection whose credentials are no longer good. */
export const CLOSE_UNAUTHORIZED = 4401;
/** The source address failed to authenticate too often (AUTH_FAILURE_LIMIT): wait, then try again. */
export const CLOSE_TOO_MANY_FAILURES = 4429;
/** setTimeout's longest delay; a later expiry is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Ends the connection when its token expires: a subscription must not outlive its credentials. */
function closeAtExpiry(state: ConnectionState, socket: { close(code: number, reason: string): void }): void {
  const expiresAt = state.viewer?.expiresAt;
  if (expiresAt === undefined) return;
  const wait = expiresAt - Date.now();
  state.expiry = setTimeout(
    () => {
      if (Date.now() >= expiresAt) socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized: the token expired');
      else closeAtExpiry(state, socket);
    },
    Math.max(0, Math.min(wait, MAX_TIMER_MS)),
  );
  state.expiry.unref();
}

/** `connectionParams` as headers: `{authorization: 'Bearer …'}` or `{'x-api-key': …}`, any case. */
function headersOf(params: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  return headers;
}

/**
 * GraphQL over WebSocket (the graphql-ws protocol) on the HTTP server's `/graphql`. Credentials come
 * in `connection_init`: a connection without valid ones is closed with 4403 before any operation.
 * Operations pass the same schema (so the same field rules) and the same limits as HTTP ones.
 */
export function serveSubscriptions(options: SubscriptionServerOptions): { close(): Promise<void> } {
  const { schema, services, authenticate, validationRules, formatError, logger, settings } = options;
  const maxOpen = settings.maxPerConnection;
  const perClient = new ClientSubscriptions(settings.maxPerClient);
  const gate = new Gate(settings.eventConcurrency);
  const rules = [...specifiedRules, ...validationRules];

  /** Refusals made here carry their public code already; masking must not turn them into internal errors. */
  const refusals = new WeakSet<GraphQLError>();
  const refuse = (code: ErrorCode | string, message: string): GraphQLError[] => {
    const error = new GraphQLError(message, { extensions: { code } });
    refusals.add(error);
    return [error];
  };
  const format = (error: GraphQLError): GraphQLError => {
    if (refusals.has(error)) return error;
    const formatted = formatError(error.toJSON(), error);
    return new GraphQLError(formatted.message, {
      ...(error.nodes ? { nodes: error.nodes } : {}),
      ...(error.path ? { path: error.path } : {}),
      extensions: formatted.extensions ?? {},
    });
  };

  /** graphql-js's own parse and validation errors carry no code; Apollo gives them these over HTTP. */
  const coded = (error: GraphQLError, code: ErrorCode): GraphQLError =>
    format(
      new GraphQLError(error.message, {
        ...(error.nodes ? { nodes: error.nodes } : {}),
        ...(error.source && error.positions ? { source: error.source, positions: error.positions } : {}),
        extensions: { ...error.extensions, code },
      }),
    );

  /** Ends an operation's hold on its connection's and its client's places (once). */
  const release = (state: ConnectionState, id: string): void => {
    if (!state.open?.delete(id)) return;
    if (state.viewer) perClient.release(state.viewer.id);
  };

  return serveGraphqlWs<ConnectionState>(
    {
      schema,
      // Not `ws`'s default 3 s by accident: a socket that says nothing is closed (4408) this soon.
      connectionInitWaitTimeout: settings.initTimeoutMs,
      subscribe: (args) => gatedSubscribe(gate, args),
      onConnect: async (ctx) => {
        let reason: AuthFailure = 'missing_credentials';
        try {
          const viewer = await authenticate(headersOf(ctx.connectionParams));
          if (viewer) {
            ctx.extra.viewer = viewer;
            ctx.extra.open = new Set();
            closeAtExpiry(ctx.extra, ctx.extra.socket);
            return true;
          }
        } catch (error) {
          reason = error instanceof AuthenticationError ? error.reason : 'malformed_credentials';
        }
        // Guesses count against the address, as over HTTP; past its limit the socket hears so (4429).
        const failures = options.authFailures;
        if (failures && COUNTED.has(reason)) {
          const taken = await failures
            .take({ ip: ctx.extra.request.socket.remoteAddress })
            .catch(() => ({ allowed: true }));
          if (!taken.allowed)
            ctx.extra.socket.close(CLOSE_TOO_MANY_FAILURES, 'Too many failed authentications');
        }
        return false;
      },
      onSubscribe: (ctx, id, payload): ExecutionArgs | readonly GraphQLError[] => {
        const open = ctx.extra.open ?? new Set<string>();
        if (open.size >= maxOpen) {
          return refuse(ErrorCode.RATE_LIMITED, `At most ${maxOpen} operations per connection.`);
        }
        if (options.trustedOnly && !options.trustedOnly.hasText(payload.query)) {
          return refuse(TrustedDocumentCode.NOT_FOUND, 'Only trusted documents may run on this server.');
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: services.config.queryLimits.maxTokens });
        } catch (error) {
          const parseError =
            error instanceof GraphQLError ? error : new GraphQLError('The query could not be parsed.');
          return [coded(parseError, ErrorCode.GRAPHQL_PARSE_FAILED)];
        }
        const errors = validate(schema, document, rules);
        if (errors.length > 0) return errors.map((e) => coded(e, ErrorCode.GRAPHQL_VALIDATION_FAILED));
        // Queries and mutations go over HTTP, where rate limits apply.
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription') {
          return refuse(
            ErrorCode.BAD_REQUEST,
            'Only subscriptions run over WebSocket; send queries and mutations over HTTP.',
          );
        }
        const variables = payload.variables ?? {};
        if (jsonDepthOver(variables, DEFAULT_MAX_JSON_DEPTH)) {
          return refuse(
            ErrorCode.BAD_USER_INPUT,
            `The variables nest deeper than ${DEFAULT_MAX_JSON_DEPTH} levels.`,
          );
        }
        // Each event resolves the whole selection again, for every subscriber: the same cost limit as HTTP.
        const tooCostly = costRefusal(schema, document, operation, variables, options.cost);
        if (tooCostly) return [format(tooCostly)];
        const viewer = ctx.extra.viewer;
        if (viewer && !perClient.take(viewer.id)) {
          return refuse(
            ErrorCode.RATE_LIMITED,
            `At most ${perClient.max} subscriptions per client at once; end one before starting another.`,
          );
        }
        open.add(id);
        const contextValue: RequestContext = {
          requestId: randomUUID(),
          loaders: requestLoaders(services),
          services,
          viewer: ctx.extra.viewer ?? null,
          now: new Date(),
        };
        return {
          schema,
          document,
          variableValues: payload.variables ?? null,
          operationName: payload.operationName ?? null,
          contextValue,
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map(format) } : result,
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
      onComplete: (ctx, id) => release(ctx.extra, id),
      onClose: (ctx) => {
        clearTimeout(ctx.extra.expiry);
        for (const id of [...(ctx.extra.open ?? [])]) release(ctx.extra, id);
      },
    },
    (base) => base,
    {
      server: options.server,
      path: options.path,
      maxPayload: options.maxPayload,
      keepAliveMs: settings.keepAliveMs,
      maxBufferedBytes: settings.maxBufferedBytes,
      logger,
    },
  );
}
