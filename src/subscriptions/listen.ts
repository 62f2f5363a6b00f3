import { ForbiddenError } from '../auth/errors.js';
import type { RequestContext } from '../graphql/context.js';
import { TOPIC_SCOPES, mayHear, type ChangeEvent } from './events.js';

/**
 * Refuses a subscription the viewer's scopes do not allow, before it listens. (Field rules guard
 * each event's `resolve`; graphql-middleware does not wrap `subscribe` when a field has both.)
 */
export function requireTopic(ctx: RequestContext, topic: ChangeEvent['topic']): void {
  const scope = TOPIC_SCOPES[topic];
  if (!ctx.viewer?.scopes.has(scope)) {
    throw new ForbiddenError(`This needs the ${scope} scope.`, { requiredScopes: scope });
  }
}

/**
 * The bus's events this subscriber may hear (by its scopes) and asked for (by `wanted`). Listening
 * starts at the call, when the subscription is made, not when its first event is awaited.
 */
export function changesFor<E extends ChangeEvent>(
  ctx: RequestContext,
  topic: E['topic'],
  wanted: (event: ChangeEvent) => event is E,
): AsyncIterableIterator<E> {
  requireTopic(ctx, topic);
  const source = ctx.services.events.listen();
  // A plain iterator for the same reason as the bus's: `return()` must not wait for an event.
  return {
    async next() {
      for (;;) {
        const result = await source.next();
        if (result.done) return { done: true, value: undefined };
        if (mayHear(ctx.viewer, result.value) && wanted(result.value))
          return { done: false, value: result.value };
      }
    },
    async return() {
      await source.return?.(undefined);
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
