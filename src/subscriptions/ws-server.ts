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
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import type { Authenticate } from '../auth/authenticate.js';
import type { Viewer } from '../auth/scopes.js';
import { requestLoaders, type RequestContext, type Services } from '../context.js';
import { TrustedDocumentCode, type TrustedDocumentStore } from '../trusted-documents.js';

/** Operations one connection may have open at once: each holds a listener and loads per event. */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 25;

export interface SubscriptionServerOptions {
  server: Server;
  path: string;
  schema: GraphQLSchema;
  services: Services;
  authenticate: Authenticate;
  /** The same pre-execution checks as HTTP queries (depth, aliases, directives). */
  validationRules: readonly ValidationRule[];
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  logger: Logger;
  /** Allow-listed-only mode: only these documents may run, over WebSocket as over HTTP. */
  trustedOnly: TrustedDocumentStore | null;
  maxSubscriptionsPerConnection?: number;
}

/** Set once the connection is authenticated: who it is, which operations it has open, when it must end. */
type ConnectionState = {
  viewer?: Viewer;
  open?: Set<string>;
  expiry?: NodeJS.Timeout;
};

/** The close code graphql-ws gives a connection whose credentials are no longer good. */
export const CLOSE_UNAUTHORIZED = 4401;
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
  const { schema, services, authenticate, validationRules, formatError, logger } = options;
  const maxOpen = options.maxSubscriptionsPerConnection ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION;
  const wss = new WebSocketServer({ server: options.server, path: options.path });
  const rules = [...specifiedRules, ...validationRules];

  const format = (error: GraphQLError): GraphQLError => {
    const formatted = formatError(error.toJSON(), error);
    return new GraphQLError(formatted.message, {
      ...(error.nodes ? { nodes: error.nodes } : {}),
      ...(error.path ? { path: error.path } : {}),
      extensions: formatted.extensions ?? {},
    });
  };

  const disposable = useServer<Record<string, unknown>, ConnectionState>(
    {
      schema,
      onConnect: async (ctx) => {
        try {
          const viewer = await authenticate(headersOf(ctx.connectionParams));
          if (!viewer) return false;
          ctx.extra.viewer = viewer;
          ctx.extra.open = new Set();
          closeAtExpiry(ctx.extra, ctx.extra.socket);
          return true;
        } catch {
          return false;
        }
      },
      onSubscribe: (ctx, id, payload): ExecutionArgs | readonly GraphQLError[] => {
        const open = ctx.extra.open ?? new Set<string>();
        if (open.size >= maxOpen) {
          return [
            new GraphQLError(`At most ${maxOpen} operations per connection.`, {
              extensions: { code: 'RATE_LIMITED' },
            }),
          ];
        }
        if (options.trustedOnly && !options.trustedOnly.hasText(payload.query)) {
          return [
            new GraphQLError('Only trusted documents may run on this server.', {
              extensions: { code: TrustedDocumentCode.NOT_FOUND },
            }),
          ];
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: services.config.queryLimits.maxTokens });
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('The query could not be parsed.')];
        }
        const errors = validate(schema, document, rules);
        if (errors.length > 0) return errors.map(format);
        // Queries and mutations go over HTTP, where rate limits and the cost check apply.
        if (getOperationAST(document, payload.operationName)?.operation !== 'subscription') {
          return [
            new GraphQLError('Only subscriptions run over WebSocket; send queries and mutations over HTTP.', {
              extensions: { code: 'BAD_REQUEST' },
            }),
          ];
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
      onComplete: (ctx, id) => {
        ctx.extra.open?.delete(id);
      },
      onClose: (ctx) => {
        clearTimeout(ctx.extra.expiry);
      },
    },
    wss,
  );
  wss.on('error', (error) => logger.error({ err: error }, 'subscription server error'));
  return {
    close: async () => {
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
