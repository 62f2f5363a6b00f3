import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler, type Router } from 'express';
import { ErrorCode } from '../errors/concord-error.js';
import { sendErrors } from '../http/respond.js';
import type { Services } from '../graphql/context.js';
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML } from './status-page.js';
import { statusReport } from './status-report.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time (as digests, so lengths never differ). */
function bearerOnly(token: string): RequestHandler {
  const expected = digest(`Bearer ${token}`);
  return (req, res, next) => {
    if (timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      next();
      return;
    }
    res.setHeader('www-authenticate', 'Bearer realm="metrics"');
    sendErrors(res, 401, 'Metrics need the metrics token: Authorization: Bearer <METRICS_TOKEN>.', {
      code: ErrorCode.UNAUTHENTICATED,
    });
  };
}

/** /metrics, /status and /status.json, each when configured on (/healthz and /readyz are in server.ts). */
export function observabilityRoutes(services: Services): Router {
  const router = express.Router();
  const { observability, caching, resilience } = services;
  const { crm, payments, analytics } = services.providers;
  const providers = [
    { name: crm.name, domain: 'CRM' as const },
    { name: payments.name, domain: 'PAYMENTS' as const },
    { name: analytics.name, domain: 'ANALYTICS' as const },
  ];

  const { metrics } = observability;
  if (metrics) {
    const guard = observability.config.metricsToken ? [bearerOnly(observability.config.metricsToken)] : [];
    router.get('/metrics', ...guard, async (_req, res) => {
      // prom-client writes a not-yet-sampled gauge (the event-loop lag, just after start) as `Nan`,
      // which Prometheus's text format does not accept; `NaN` is the spelling it does.
      const text = (await metrics.registry.metrics()).replace(/ Nan$/gm, ' NaN');
      res.set('content-type', metrics.registry.contentType).send(text);
    });
  }
  if (observability.config.statusPage) {
    router.get('/status', (_req, res) => {
      res
        .set('content-security-policy', STATUS_PAGE_CSP)
        .set('cache-control', 'no-store')
        .type('html')
        .send(STATUS_PAGE_HTML);
    });
    router.get('/status.json', (_req, res) => {
      res.set('cache-control', 'no-store').json(
        statusReport({
          providers,
          mode: services.mode,
          stats: observability.stats,
          policies: resilience,
          cache: caching.stats,
        }),
      );
    });
  }
  return router;
}
