import { TEST_JWT } from '../test/support/tokens.js';

/**
 * What every Concord process of the bench runs with, besides its providers: production mode, JWT
 * auth, the cache in the run's Redis, free ports on loopback.
 */
export function benchConcordEnv(redisUrl: string): Record<string, string> {
  return {
    ...TEST_JWT,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    // The admin listener (metrics, status) on a free port, not production's fixed 9464.
    ADMIN_PORT: '0',
    LOG_LEVEL: 'warn',
    CURSOR_SECRET: 'bench-cursor-secret-0123456789abcdef',
    REDIS_URL: redisUrl,
    CACHE: 'true',
    // The bench is one client sending thousands of requests: the per-client limit would measure itself.
    RATE_LIMIT: 'off',
    // Its twins enforce the documented limits, so Concord's own provider quotas stay on (their
    // defaults) and pace it as in production. The per-request upstream budget is off: the 90-day
    // metrics walk at bench size needs ~810 Stripe pages, over the default budget of 200.
    UPSTREAM_CALL_BUDGET: 'off',
  };
}
