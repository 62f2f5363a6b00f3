import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express, { type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { graphiqlBundle } from './bundle.js';
import { UnknownScopeError } from './dev-headers.js';
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
export function graphiqlForBrowsers(page: PageSource): RequestHandler {
  return (req, res, next) => {
    if (req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) !== 'text/html') {
      next();
      return;
    }
    sendPage(page, req, res).catch(next);
  };
}

/** The page's options for one request; `scopes` is its `?scopes=` (sandbox: a token with only those). */
export type PageSource = (scopes: string | undefined) => Promise<PageOptions>;

async function sendPage(page: PageSource, req: express.Request, res: express.Response): Promise<void> {
  const scopes = typeof req.query.scopes === 'string' ? req.query.scopes : undefined;
  let options: PageOptions;
  try {
    options = await page(scopes);
  } catch (error) {
    if (!(error instanceof UnknownScopeError)) throw error;
    res.status(400).type('text').send(error.message);
    return;
  }
  res.type('html').send(renderGraphiQLPage(options));
}

/** `/graphiql` (the page) and `/graphiql/assets/*` (the bundle, built on first request). */
export function graphiqlRouter(page: PageSource, logger: Logger): express.Router {
  const router = express.Router();
  router.get('/', async (req, res) => {
    await sendPage(page, req, res);
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
