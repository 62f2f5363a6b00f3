/**
 * Concord answers what it can: when one provider fails, the fields it serves are null and `errors`
 * says which and why (extensions.code from the schema's ErrorCode). A client must keep both.
 */
import type { GraphQLFormattedError } from 'graphql';
import type { ErrorCode } from './generated/enums.js';

/** One error of a partial answer: where it is in `data`, and Concord's code for it. */
export interface FieldError {
  message: string;
  path: ReadonlyArray<string | number>;
  /** `extensions.code`, e.g. PROVIDER_UNAVAILABLE; null when the server sent none. */
  code: ErrorCode | null;
}

/** What every client in this folder hands the UI: the data there is, and each error with its code. */
export interface PartialAnswer<T> {
  data: T | null;
  errors: FieldError[];
}

/** The codes in a list of GraphQL errors, as the library gave them (plain or GraphQLError objects). */
export function fieldErrors(
  errors: ReadonlyArray<Pick<GraphQLFormattedError, 'message' | 'path' | 'extensions'>> = [],
): FieldError[] {
  return errors.map((error) => ({
    message: error.message,
    path: error.path ?? [],
    // Every code Concord sends is in its schema's ErrorCode enum (test/unit/error-codes.test.ts).
    code: typeof error.extensions?.code === 'string' ? (error.extensions.code as ErrorCode) : null,
  }));
}
