import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { UnsupportedPagingError, type Domain } from '../../datasources/model.js';
import { ProviderError, ProviderErrorCode } from '../../datasources/transport/errors.js';
import { LocalFailure } from '../../datasources/transport/policy-errors.js';
import { ConcordError, ErrorCode } from './concord-error.js';
import { TrustedDocumentCode } from '../graphql/trusted-documents.js';
import { RolledBackError } from '../writes/errors.js';

/** Codes Apollo and graphql-js give to mistakes in the client's own request; safe to show as they are. */
const CLIENT_REQUEST_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  ...Object.values(TrustedDocumentCode),
]);

const DOMAIN_WORDS: Record<Domain, string> = { CRM: 'CRM', PAYMENTS: 'payments', ANALYTICS: 'analytics' };

export interface FormatErrorOptions {
  /** Which domain each provider serves, for messages that name the domain, not the vendor's internals. */
  domainOf: (provider: string) => Domain | undefined;
  /** Where masked errors go; they carry details the client must not see. */
  logUnexpected: (error: unknown) => void;
  /**
   * Drops graphql-js's "Did you mean …?" from messages (validation and variable coercion alike):
   * a suggestion names fields, enum values and input fields the schema has, which production keeps
   * to itself. Off where introspection is public anyway, so a typo gets its hint.
   */
  hideSchemaHints?: boolean;
}

/** graphql-js's suggestion sentence: ` Did you mean "a", "b", or "c"?`, ` Did you mean the enum value "X"?`. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** Apollo's own refusals that carry no code but an HTTP 4xx (e.g. an APQ hash that does not match its document). */
function isApolloClientRefusal(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined) return false;
  const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function keep(formatted: GraphQLFormattedError, message: string, extensions: Record<string, unknown>) {
  return {
    message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions,
  };
}

function providerMessage(error: ProviderError, domain: string): { code: ErrorCode; message: string } {
  switch (error.code) {
    case ProviderErrorCode.UNAVAILABLE:
    case ProviderErrorCode.TIMEOUT:
      return { code: ErrorCode.PROVIDER_UNAVAILABLE, message: `The ${domain} provider is unavailable.` };
    case ProviderErrorCode.RATE_LIMITED:
      return {
        code: ErrorCode.PROVIDER_RATE_LIMITED,
        message: `The ${domain} provider is rate limiting requests.`,
      };
    default:
      return { code: ErrorCode.PROVIDER_ERROR, message: `The ${domain} provider returned an error.` };
  }
}

/**
 * `retryAfterMs` on PROVIDER_RATE_LIMITED, when the provider (or our own quota) said how long to
 * wait: whole milliseconds, counted from its last answer.
 */
function retryAfter(code: ErrorCode, error: ProviderError): { retryAfterMs?: number } {
  if (code !== ErrorCode.PROVIDER_RATE_LIMITED || error.retryAfterMs === undefined) return {};
  return { retryAfterMs: Math.max(0, Math.ceil(error.retryAfterMs)) };
}

/** One error for a write undone part-way: what was not made, which provider failed, whether anything is left. */
function rolledBack(
  formatted: GraphQLFormattedError,
  error: RolledBackError,
  domainOf: FormatErrorOptions['domainOf'],
  logUnexpected: FormatErrorOptions['logUnexpected'],
): GraphQLFormattedError {
  const { failure } = error;
  const kept = {
    undone: 'Nothing was kept.',
    pending: 'What was written is being undone; a retry with the same clientMutationId tells when it is.',
    failed: 'Part of it could not be undone; the operators have been told.',
  }[error.state];
  if (!(failure instanceof ProviderError)) {
    logUnexpected(failure);
    return keep(formatted, `${error.what}. ${kept}`, {
      code: ErrorCode.INTERNAL_SERVER_ERROR,
      rolledBack: error.undone,
    });
  }
  const domain = domainOf(failure.provider);
  const { code, message } = providerMessage(failure, domain ? DOMAIN_WORDS[domain] : 'upstream');
  return keep(formatted, `${error.what}: ${message.charAt(0).toLowerCase()}${message.slice(1)} ${kept}`, {
    code,
    provider: failure.provider,
    retryable: failure.retryable,
    ...retryAfter(code, failure),
    rolledBack: error.undone,
  });
}

/**
 * Lets through only errors Concord raised on purpose, with their code; everything else becomes
 * INTERNAL_SERVER_ERROR with a fixed message. Apollo hides stack traces in production but not
 * messages, and a message can carry hostnames, provider bodies or customer data.
 */
export function createFormatError({ domainOf, logUnexpected, hideSchemaHints = true }: FormatErrorOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    // A plugin's refusal before execution (e.g. the upstream budget) arrives wrapped without a path.
    const original =
      unwrapped instanceof GraphQLError && unwrapped.originalError instanceof ConcordError
        ? unwrapped.originalError
        : unwrapped;
    if (original instanceof ConcordError) {
      return keep(formatted, original.message, { code: original.code, ...original.details });
    }
    if (original instanceof UnsupportedPagingError) {
      return keep(formatted, 'This list can only be paged forwards: use `first` and `after`.', {
        code: ErrorCode.UNSUPPORTED_PAGINATION,
      });
    }
    if (original instanceof RolledBackError) return rolledBack(formatted, original, domainOf, logUnexpected);
    if (original instanceof ProviderError && original.providerCode === LocalFailure.UPSTREAM_BUDGET) {
      return keep(
        formatted,
        'This request reached its budget of upstream calls; no further calls were made.',
        {
          code: ErrorCode.UPSTREAM_BUDGET_EXCEEDED,
          provider: original.provider,
          budget: Number(original.details.budget),
        },
      );
    }
    if (original instanceof ProviderError) {
      const domain = domainOf(original.provider);
      const { code, message } = providerMessage(original, domain ? DOMAIN_WORDS[domain] : 'upstream');
      if (code === ErrorCode.PROVIDER_ERROR) logUnexpected(original);
      return keep(formatted, message, {
        code,
        provider: original.provider,
        retryable: original.retryable,
        ...retryAfter(code, original),
        // The provider's credentials (an OAuth refresh) failed, not the provider itself.
        ...(original.details.reason === 'auth' ? { reason: 'auth' } : {}),
      });
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && CLIENT_REQUEST_CODES.has(code)) {
      // Which query limit refused the request (depth, cost, aliases, directives), when one did.
      const limit = formatted.extensions?.limit;
      const message = hideSchemaHints ? formatted.message.replace(SUGGESTION, '') : formatted.message;
      return keep(formatted, message, typeof limit === 'string' ? { code, limit } : { code });
    }
    if (isApolloClientRefusal(original))
      return keep(formatted, formatted.message, { code: ErrorCode.BAD_REQUEST });
    logUnexpected(original);
    return keep(formatted, 'Internal server error.', { code: ErrorCode.INTERNAL_SERVER_ERROR });
  };
}
