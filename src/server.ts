import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { Logger } from 'pino';
import type { Domain } from '../datasources/model.js';
import type { RequestContext, Services } from './context.js';
import {
  currentRequestScope,
  newRequestScope,
  runInRequestScope,
} from '../datasources/transport/request-scope.js';
import { staleDataPlugin } from './cache/stale-plugin.js';
import { viewerOf } from './auth/middleware.js';
import { createFormatError } from './format-error.js';
import { protectedSchema, requestGuards } from './http/security.js';
import { queryLimitPlugins, queryLimitRules, queryParseOptions } from './limits/query-limits.js';
import { devHeaders } from './graphiql/dev-headers.js';
import { graphiqlForBrowsers, graphiqlRouter, noApolloLandingPage } from './graphiql/index.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers/index.js';
import { loadTypeDefs } from './schema.js';
import { loadTrustedDocuments, trustedDocuments } from './trusted-documents.js';

/** A request id from the client is kept only if it looks like one; otherwise we make our own. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface Gateway {
  app: express.Express;
  server: Server;
  url: string;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  services: Services;
  logger: Logger;
  host: string;
  port: number;
}

function domainsOf(services: Services): Map<string, Domain> {
  const { crm, payments, analytics } = services.providers;
  return new Map<string, Domain>([
    [crm.name, 'CRM'],
    [payments.name, 'PAYMENTS'],
    [analytics.name, 'ANALYTICS'],
  ]);
}

/** Express 5 + Apollo Server 5 at /graphql, and /healthz. */
export async function startGateway({ services, logger, host, port }: GatewayOptions): Promise<Gateway> {
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const domains = domainsOf(services);

  const trusted = trustedDocuments<RequestContext>(
    await loadTrustedDocuments(services.config.trustedDocuments),
    services.config.trustedDocuments.mode,
  );
  const graphiqlPage = () => ({ endpoint: '/graphql', headers: devHeaders(services) });

  const apollo = new ApolloServer<RequestContext>({
    schema: protectedSchema(loadTypeDefs(), resolvers),
    // Depth, cost, aliases and directives are checked before execution: no provider call for a refusal.
    validationRules: queryLimitRules(services.config.queryLimits),
    parseOptions: queryParseOptions(services.config.queryLimits),
    // Apollo 5's default, stated so nobody turns it off: refuses GETs and simple POSTs a browser
    // could send cross-site without a preflight.
    csrfPrevention: true,
    formatError: createFormatError({
      domainOf: (provider) => domains.get(provider),
      logUnexpected: (error) => logger.error({ err: error }, 'masked an unexpected error'),
    }),
    includeStacktraceInErrorResponses: false,
    // "Did you mean …" suggestions would list field names a client may not be allowed to see.
    hideSchemaDetailsFromClientErrors: true,
    introspection: services.config.auth.introspection !== 'off',
    persistedQueries: trusted.persistedQueries,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      // Cost needs the variables, so it is checked once the operation is resolved, still before execution.
      ...queryLimitPlugins<RequestContext>(services.config.queryLimits, services.config.pageSize),
      staleDataPlugin(),
      trusted.plugin,
      noApolloLandingPage(),
    ],
    // main.ts owns shutdown (drain, close pools, exit 0); Apollo's own handler would re-raise the signal.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const guards = await requestGuards(services, logger);

  app.get('/readyz', async (_req, res) => {
    // Redis down is degraded, not unready: queries still answer, from the providers.
    const store = services.caching.store;
    const cache = !store
      ? 'off'
      : store.kind === 'memory'
        ? 'memory'
        : (await store.healthy())
          ? 'ok'
          : 'unreachable';
    res.json({ status: cache === 'unreachable' ? 'degraded' : 'ready', cache });
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  if (services.config.graphiql) {
    app.use('/graphiql', graphiqlRouter(graphiqlPage, logger));
    app.get('/graphql', graphiqlForBrowsers(graphiqlPage));
  }
  app.use(
    '/graphql',
    guards.parse,
    // Everything the request does upstream, however deep, sees this scope (request id, deadline).
    (req, res, next) => {
      const given = req.headers['x-request-id'];
      const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', requestId);
      // The deadline starts when the request arrives: every upstream call it makes must be over by then.
      const deadline = Date.now() + services.config.requestDeadlineMs;
      runInRequestScope(newRequestScope(requestId, deadline), next);
    },
    ...guards.admit,
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        return {
          requestId: currentRequestScope()?.requestId ?? randomUUID(),
          loaders: createLoaders(services.providers, { batching: services.config.batching }),
          services,
          viewer: viewerOf(req),
          now: new Date(),
        };
      },
    }),
  );

  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  return {
    app,
    server,
    url: `http://${address.address}:${address.port}/graphql`,
    stop: async () => {
      await apollo.stop();
      await guards.close();
    },
  };
}
