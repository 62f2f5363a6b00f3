import { ProviderErrorCode } from '../transport/errors.js';
import type { ErrorClassifier } from '../transport/http-client.js';
import { ErrorBody } from './wire.js';

/**
 * Salesforce's error codes (FACTS §4, §7.2) and what they mean for Concord. The body is a JSON
 * array; the first element's `errorCode` decides. The message is never kept: it can echo input.
 */
const CODES: Record<string, { code: ProviderErrorCode; retryable: boolean }> = {
  /** The access token expired or was revoked: the session refreshes it and retries once. */
  INVALID_SESSION_ID: { code: ProviderErrorCode.UNAUTHORIZED, retryable: false },
  /** The org's 24-hour allocation or its concurrent long-request cap: no Retry-After is sent. */
  REQUEST_LIMIT_EXCEEDED: { code: ProviderErrorCode.RATE_LIMITED, retryable: false },
  /** Our own SOQL was wrong: a bug, logged and masked as PROVIDER_ERROR. */
  MALFORMED_QUERY: { code: ProviderErrorCode.REJECTED, retryable: false },
  INVALID_FIELD: { code: ProviderErrorCode.REJECTED, retryable: false },
  INVALID_TYPE: { code: ProviderErrorCode.REJECTED, retryable: false },
  NOT_FOUND: { code: ProviderErrorCode.NOT_FOUND, retryable: false },
  ENTITY_IS_DELETED: { code: ProviderErrorCode.NOT_FOUND, retryable: false },
  INVALID_CROSS_REFERENCE_KEY: { code: ProviderErrorCode.NOT_FOUND, retryable: false },
  MALFORMED_ID: { code: ProviderErrorCode.NOT_FOUND, retryable: false },
  /** A record lock held by another transaction: gone in a moment. */
  UNABLE_TO_LOCK_ROW: { code: ProviderErrorCode.UNAVAILABLE, retryable: true },
  SERVER_UNAVAILABLE: { code: ProviderErrorCode.UNAVAILABLE, retryable: true },
};

/** Codes that mean our own request was wrong, not the caller's input: logged as bugs. */
export const BUG_CODES: ReadonlySet<string> = new Set(['MALFORMED_QUERY', 'INVALID_FIELD', 'INVALID_TYPE']);

/** The first error's code and the fields it names. */
export function salesforceErrorOf(body: unknown): { errorCode: string; fields: string[] } | null {
  const parsed = ErrorBody.safeParse(body);
  const first = parsed.success ? parsed.data[0] : undefined;
  return first ? { errorCode: first.errorCode, fields: first.fields ?? [] } : null;
}

export const classifySalesforceError: ErrorClassifier = (status, body) => {
  const error = salesforceErrorOf(body);
  if (!error) return {};
  const mapped = CODES[error.errorCode];
  const field = error.fields[0];
  return {
    ...mapped,
    // Any 401 is an expired session (jsforce treats every REST 401 so); the code says which.
    ...(status === 401 ? { code: ProviderErrorCode.UNAUTHORIZED, retryable: false } : {}),
    providerCode: error.errorCode,
    ...(field === undefined ? {} : { details: { field } }),
  };
};
