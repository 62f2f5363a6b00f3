import express, { type Router } from 'express';
import type { Services } from '../context.js';
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML } from './status-page.js';
import { statusReport } from './status-report.js';

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
    router.get('/metrics', async (_req, res) => {
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
