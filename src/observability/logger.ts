import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { currentRequestScope } from '../../datasources/transport/request-scope.js';

/**
 * What is never written to a log, wherever it appears in a logged object (top level, one level
 * down, request and response headers): credentials and the customer fields that are PII.
 */
export const REDACTED_PATHS = [
  'authorization',
  'cookie',
  'token',
  'accessToken',
  'apiKey',
  'email',
  'phone',
  '["x-api-key"]',
  '["set-cookie"]',
  '*.authorization',
  '*.cookie',
  '*.token',
  '*.accessToken',
  '*.apiKey',
  '*.email',
  '*.phone',
  '*["x-api-key"]',
  '*["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
  '*.headers["set-cookie"]',
] as const;

/** What a redacted value reads as, so a reader sees something was there. */
export const REDACTED = '[redacted]';

/**
 * The process logger: JSON lines, redaction, and the request id of the request being served on
 * every line logged while serving it. The id comes from the request scope (a mixin) rather than a
 * child logger so that lines from code with no GraphQL context (error masking, the cache) carry it too.
 */
export function createLogger(level: LoggerOptions['level'], destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    redact: { paths: [...REDACTED_PATHS], censor: REDACTED },
    mixin: () => {
      const scope = currentRequestScope();
      return scope ? { requestId: scope.requestId } : {};
    },
  };
  // stdout written synchronously: pino's default asynchronous stdout flushes at exit in a loop that
  // retries a closed pipe (EPIPE, e.g. `| head -1`) for ever, so the process never ends. In sync
  // mode a broken pipe simply turns the logger off.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
