import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * One debug line per HTTP request: method, path (never the query string, which may carry
 * variables), status, duration and headers, with credentials removed by the logger's redaction.
 */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (!logger.isLevelEnabled('debug')) {
      next();
      return;
    }
    const started = performance.now();
    res.once('finish', () => {
      const requestId = res.getHeader('x-request-id');
      logger.debug(
        {
          ...(typeof requestId === 'string' ? { requestId } : {}),
          req: { method: req.method, path: req.path, headers: req.headers },
          status: res.statusCode,
          durationMs: Math.round(performance.now() - started),
        },
        'http request',
      );
    });
    next();
  };
}
