import { ForbiddenError } from '../auth/errors.js';
import type { RequestContext } from '../context.js';
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
): AsyncGenerator<E> {
  requireTopic(ctx, topic);
  const source = ctx.services.events.listen();
  return (async function* () {
    try {
      for await (const event of source) if (mayHear(ctx.viewer, event) && wanted(event)) yield event;
    } finally {
      await source.return(undefined);
    }
  })();
}
