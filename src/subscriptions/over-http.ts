import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors/concord-error.js';

/**
 * A subscription sent over HTTP would run its event resolver with no event (and fail inside);
 * it is refused before execution with a coded 400 that says where subscriptions go.
 */
export function subscriptionsOverWebSocketOnly<TContext extends object>(
  path: string,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (operation?.operation !== 'subscription') return;
          const host = request.http?.headers.get('host') ?? 'this host';
          throw new GraphQLError(
            `Subscriptions run over WebSocket (graphql-ws protocol): connect to ws://${host}${path} (wss:// behind TLS).`,
            { extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } } },
          );
        },
      };
    },
  };
}
