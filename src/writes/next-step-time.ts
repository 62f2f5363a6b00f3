import { currentRequestScope } from '../../datasources/transport/request-scope.js';

/**
 * What the second provider write of a mutation needs at least of the request's deadline: a call's
 * least time (DEFAULT_MIN_CALL_MS) and a short wait for its provider's quota.
 */
export const NEXT_STEP_RESERVE_MS = 1_000;

/**
 * Runs the first write of a two-provider mutation with the request's deadline moved `reserveMs`
 * earlier, so waiting for the first provider's quota cannot leave the second no time: a write
 * that could not finish is refused before anything is made (the first provider's code), instead
 * of made, failed at the second step and undone.
 *
 * The scope is changed in place and put back: a mutation's writes run one after another, and
 * nothing else of its request runs meanwhile.
 */
export async function leavingTimeForNextStep<T>(
  write: () => Promise<T>,
  reserveMs = NEXT_STEP_RESERVE_MS,
): Promise<T> {
  const scope = currentRequestScope();
  if (!scope || scope.deadline === null) return write();
  const deadline = scope.deadline;
  scope.deadline = deadline - reserveMs;
  try {
    return await write();
  } finally {
    scope.deadline = deadline;
  }
}
