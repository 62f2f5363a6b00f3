import express from 'express';
import { FeatureFlagSchema, type FeatureFlags } from './flags.js';

/**
 * `/__sandbox/feature-flags`: what PostHog's UI does to flags. `GET` lists them, `PUT /{key}` with
 * `{active?, rolloutPercentage?, payload?}` creates or replaces one, `DELETE /{key}` removes it. The
 * project starts with none, so `/flags` answers `{flags: {}}` until one is defined.
 */
export function posthogAdminRoutes(flags: FeatureFlags): (router: express.Router) => void {
  return (router) => {
    router.get('/feature-flags', (_req, res) => {
      res.json({ flags: flags.list() });
    });
    router.put('/feature-flags/:key', express.json(), (req, res) => {
      const parsed = FeatureFlagSchema.safeParse({ ...(req.body as object), key: req.params.key });
      if (!parsed.success) {
        res.status(400).json({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
        return;
      }
      res.json(flags.put(parsed.data));
    });
    router.delete('/feature-flags/:key', (req, res) => {
      res.status(flags.remove(req.params.key) ? 204 : 404).end();
    });
  };
}
