import { z } from 'zod';
import { DEFAULT_OPERATION_LABELS } from './operation-labels.js';

/** Prometheus's conventional exporter port range; the admin listener's default in production. */
export const DEFAULT_PRODUCTION_ADMIN_PORT = 9464;

export interface AdminSettings {
  /**
   * Where /metrics, /status and /status.json are served: their own listener on this port (same
   * HOST; 0 for any free port), or null for the public port. Production defaults to 9464, so
   * what the gateway knows about its providers and clients is not on the port the internet sees.
   */
  adminPort: number | null;
  /** When set, /metrics needs `Authorization: Bearer <token>` wherever it is served. */
  metricsToken: string | null;
  /** Operation names with a label of their own (past them: `other`). */
  operationLabels: number;
}

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** The variables this feature reads, for src/config.ts's one environment schema. */
export const AdminEnv = {
  ADMIN_PORT: int(0, 65_535).optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_OPERATION_NAMES: int(1, 10_000).optional(),
};

type AdminValues = {
  ADMIN_PORT?: number | undefined;
  METRICS_TOKEN?: string | undefined;
  METRICS_OPERATION_NAMES?: number | undefined;
};

export function buildAdminSettings(e: AdminValues, { production }: { production: boolean }): AdminSettings {
  return {
    adminPort: e.ADMIN_PORT ?? (production ? DEFAULT_PRODUCTION_ADMIN_PORT : null),
    metricsToken: e.METRICS_TOKEN ?? null,
    operationLabels: e.METRICS_OPERATION_NAMES ?? DEFAULT_OPERATION_LABELS,
  };
}
