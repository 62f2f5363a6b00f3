import type { ApolloServerPlugin } from '@apollo/server';
import { currentRequestScope } from '../../datasources/transport/request-scope.js';
import type { Observability } from './observability.js';
import { operationLabel, outcomeOf } from './outcome.js';

/**
 * One log line, one metrics observation and the operation span's name per GraphQL operation:
 * name, duration, outcome, and what it cost upstream (calls made, cache entries served stale).
 */
export function operationPlugin<T extends object>(observability: Observability): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ response, operationName, operation }) {
          if (response.body.kind !== 'single') return;
          const seconds = (performance.now() - started) / 1000;
          // Metrics and spans get a bounded label; the log line keeps the name itself.
          const operationNameLabel = observability.operationLabels.of(operationName);
          const outcome = outcomeOf(response.body.singleResult);
          const scope = currentRequestScope();
          const upstreamCalls = scope?.upstreamCalls ?? 0;
          const stale = [...(scope?.stale.values() ?? [])].reduce((sum, n) => sum + n, 0);
          observability.metrics?.recordOperation(operationNameLabel, outcome, seconds, upstreamCalls);
          observability.tracing?.describeOperation(operationNameLabel, operation?.operation, outcome);
          observability.logger.info(
            {
              operation: operationLabel(operationName),
              durationMs: Math.round(seconds * 1000),
              outcome,
              upstreamCalls,
              stale,
              errors: response.body.singleResult.errors?.length ?? 0,
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
