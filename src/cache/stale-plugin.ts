import type { ApolloServerPlugin } from '@apollo/server';
import { currentRequestScope } from '../../datasources/transport/request-scope.js';

/**
 * Says in the response when part of it came from the cache past its freshness because a provider
 * was failing: `extensions.stale: [{provider, entries}]`, so a client can tell and retry later.
 */
export function staleDataPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const stale = currentRequestScope()?.stale;
          if (!stale || stale.size === 0 || response.body.kind !== 'single') return;
          response.body.singleResult.extensions = {
            ...response.body.singleResult.extensions,
            stale: [...stale].map(([provider, entries]) => ({ provider, entries })),
          };
        },
      };
    },
  };
}
