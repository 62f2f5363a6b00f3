import type { RequestContext } from '../graphql/context.js';
import { ConcordError, ErrorCode } from '../errors/concord-error.js';
import { idempotent, type WriteKeys } from './idempotency.js';
import type { Outcome, UserErrorValue } from './user-errors.js';

export type { Outcome, UserErrorValue } from './user-errors.js';

type Write<I, R> = (ctx: RequestContext, input: I, keys: WriteKeys) => Promise<Outcome<R>>;

/** Runs one mutation's writes at most once per client and clientMutationId (see idempotency.ts). */
export function mutate<I extends { clientMutationId?: string | null }, R>(
  ctx: RequestContext,
  mutation: string,
  input: I,
  write: Write<I, R>,
): Promise<Outcome<R>> {
  const { viewer } = ctx;
  // The field rules already demand a viewer with write scopes; this only keeps the types honest.
  if (!viewer) throw new ConcordError(ErrorCode.UNAUTHENTICATED, 'Writes need credentials.');
  return idempotent({
    ledger: ctx.services.ledger,
    compensator: ctx.services.compensator,
    requestId: ctx.requestId,
    viewer,
    mutation,
    input,
    run: (keys) => write(ctx, input, keys),
  });
}

/** The parts every payload shares; `record` is null when the mutation was refused. */
export function payloadParts<R>(
  input: { clientMutationId?: string | null },
  outcome: Outcome<R>,
): { clientMutationId: string | null; userErrors: UserErrorValue[]; record: R | null } {
  return {
    clientMutationId: input.clientMutationId ?? null,
    userErrors: 'userErrors' in outcome ? outcome.userErrors : [],
    record: 'record' in outcome ? outcome.record : null,
  };
}
