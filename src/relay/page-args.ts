import { ConcordError, ErrorCode, UserInputError } from '../errors/concord-error.js';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PageSizeLimits {
  defaultSize: number;
  maxSize: number;
}

/** A validated page request: which way, how many, and from which (still encoded) cursor. */
export type PageDirection =
  | { direction: 'forward'; size: number; cursor: string | null }
  | { direction: 'backward'; size: number; cursor: string | null };

function checkSize(value: number, argument: string, limits: PageSizeLimits): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new UserInputError(`\`${argument}\` must be a positive whole number.`, argument);
  }
  if (value > limits.maxSize) {
    throw new UserInputError(`\`${argument}\` must be at most ${limits.maxSize}.`, argument);
  }
  return value;
}

/**
 * Reads Relay arguments into one direction. `last`/`before` only where the provider can page
 * backwards; elsewhere they are a clear UNSUPPORTED_PAGINATION error rather than a wrong page.
 */
export function readPageArgs(
  args: PageArgs,
  limits: PageSizeLimits,
  backwardSupported: boolean,
): PageDirection {
  const { first, after, last, before } = args;
  const forward = first != null || after != null;
  const backward = last != null || before != null;
  if (forward && backward) {
    throw new UserInputError(
      'Use `first`/`after` or `last`/`before`, not both.',
      last != null ? 'last' : 'before',
    );
  }
  if (backward) {
    if (!backwardSupported) {
      throw new ConcordError(
        ErrorCode.UNSUPPORTED_PAGINATION,
        'This list can only be paged forwards: use `first` and `after`.',
        { argument: last != null ? 'last' : 'before' },
      );
    }
    return {
      direction: 'backward',
      size: last != null ? checkSize(last, 'last', limits) : limits.defaultSize,
      cursor: before ?? null,
    };
  }
  return {
    direction: 'forward',
    size: first != null ? checkSize(first, 'first', limits) : limits.defaultSize,
    cursor: after ?? null,
  };
}
