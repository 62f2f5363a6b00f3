import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express, { type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { graphiqlBundle } from './bundle.js';
import { renderGraphiQLPage, type PageOptions } from './page.js';

export { ASSETS_PATH } from './page.js';

/** Apollo's own landing page loads from a CDN; Concord serves GraphiQL itself instead. */
export function noApolloLandingPage<T extends object>(): ApolloServerPlugin<T> {
  return ApolloServerPluginLandingPageDisabled();
}

/**
 * A browser's GET of /graphql (it prefers HTML to JSON) gets GraphiQL. Mounted before the
 * credential check: the page is static and holds no data; its queries carry the headers.
 */
export function graphiqlForBrowsers(page: () => PageOptions): RequestHandler {
  return (req, res, next) => {
    if (req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) !== 'text/html') {
      next();
      return;
    }
    res.type('html').send(renderGraphiQLPage(page()));
  };
}

/** `/graphiql` (the page) and `/graphiql/assets/*` (the bundle, built on first request). */
export function graphiqlRouter(page: () => PageOptions, logger: Logger): express.Router {
  const router = express.Router();
  router.get('/', (_req, res) => {
    res.type('html').send(renderGraphiQLPage(page()));
  });
  router.get('/assets/:file', async (req, res) => {
    let bundle;
    try {
      bundle = await graphiqlBundle();
    } catch (error) {
      logger.error({ err: error }, 'could not build the GraphiQL bundle');
      res
        .status(503)
        .type('text')
        .send('GraphiQL is unavailable: its bundle could not be built (see the log).');
      return;
    }
    const asset = bundle.get(req.params.file);
    if (!asset) {
      res.status(404).type('text').send('Not found');
      return;
    }
    res.setHeader('content-type', asset.contentType);
    res.setHeader('cache-control', 'no-cache');
    res.send(Buffer.from(asset.body.buffer, asset.body.byteOffset, asset.body.byteLength));
  });
  return router;
}
