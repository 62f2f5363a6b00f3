import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ErrorCode } from '../errors/concord-error.js';
import { sendErrors } from './respond.js';

/**
 * Nesting a GraphQL request needs (variables of input objects inside lists) is a handful of levels;
 * far deeper JSON only exists to make recursive code (coercion, hashing) overflow its stack.
 */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** How deep `value` nests, walking no further than `limit` + 1 (iteratively: no recursion to overflow). */
export function jsonDepthOver(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/** GET carries variables and extensions as JSON text; Apollo parses them later, we look first. */
function parsedOrNull(text: unknown): unknown {
  if (typeof text !== 'string') return null;
  try {
    return JSON.parse(text);
  } catch {
    // Malformed: Apollo answers that with its own 400.
    return null;
  }
}

/** Refuses a request whose JSON (POST body, or GET's variables and extensions) nests deeper than `maxDepth`. */
export function refuseDeepJson(maxDepth = DEFAULT_MAX_JSON_DEPTH): RequestHandler {
  return (req, res, next) => {
    const query = req.query as Record<string, unknown>;
    const parts: unknown[] =
      req.method === 'GET' ? [parsedOrNull(query.variables), parsedOrNull(query.extensions)] : [req.body];
    if (parts.some((part) => jsonDepthOver(part, maxDepth))) {
      sendErrors(res, 400, `The request's JSON nests deeper than ${maxDepth} levels.`, {
        code: ErrorCode.BAD_USER_INPUT,
      });
      return;
    }
    next();
  };
}

/** The HTTP status and public code for an error express or body-parser raised about the request. */
function refusalOf(
  error: unknown,
  maxBodyBytes: number,
): { status: number; code: ErrorCode; message: string } | null {
  if (typeof error !== 'object' || error === null) return null;
  const { type, status } = error as { type?: unknown; status?: unknown };
  switch (type) {
    case 'entity.too.large':
      return {
        status: 413,
        code: ErrorCode.PAYLOAD_TOO_LARGE,
        message: `The request body is larger than ${maxBodyBytes} bytes.`,
      };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return {
        status: 415,
        code: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        message: 'The request body must be JSON in UTF-8, uncompressed or gzip/deflate/br.',
      };
    case 'entity.parse.failed':
      return { status: 400, code: ErrorCode.BAD_REQUEST, message: 'The request body is not valid JSON.' };
    default:
      // Other client mistakes body-parser or express report with a 4xx (aborted, bad length, corrupt gzip).
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return { status, code: ErrorCode.BAD_REQUEST, message: 'The request could not be read.' };
      }
      return null;
  }
}

/**
 * Every refusal express makes is JSON with a public code, in every mode: express's own handler
 * answers HTML with the stack trace and file paths outside production. Anything that is not a
 * client mistake is logged and answered as a masked 500.
 */
export function jsonErrors(logger: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const refusal = refusalOf(error, maxBodyBytes);
    if (refusal) {
      logger.debug({ status: refusal.status, code: refusal.code }, 'refused a malformed request');
      sendErrors(res, refusal.status, refusal.message, { code: refusal.code });
      return;
    }
    logger.error({ err: error }, 'unexpected error serving a request');
    sendErrors(res, 500, 'Internal server error.', { code: ErrorCode.INTERNAL_SERVER_ERROR });
  };
}

/** Unknown paths and methods get JSON too, not express's HTML "Cannot POST /x". */
export const notFound: RequestHandler = (_req, res) => {
  sendErrors(res, 404, 'Nothing is served at this path.', { code: ErrorCode.NOT_FOUND });
};
