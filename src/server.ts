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
import { createFormatError } from './format-error.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers/index.js';
import { loadTypeDefs } from './schema.js';

/** Largest request body accepted; a GraphQL document plus variables is far smaller. */
export const MAX_BODY_BYTES = 100 * 1024;

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
  const production = services.config.env === 'production';

  const apollo = new ApolloServer<RequestContext>({
    typeDefs: loadTypeDefs(),
    resolvers,
    formatError: createFormatError({
      domainOf: (provider) => domains.get(provider),
      logUnexpected: (error) => logger.error({ err: error }, 'masked an unexpected error'),
    }),
    includeStacktraceInErrorResponses: false,
    // "Did you mean …" suggestions would list field names a client may not be allowed to see.
    hideSchemaDetailsFromClientErrors: true,
    introspection: !production,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer: server })],
    // main.ts owns shutdown (drain, close pools, exit 0); Apollo's own handler would re-raise the signal.
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(
    '/graphql',
    express.json({ limit: MAX_BODY_BYTES }),
    // Everything the request does upstream, however deep, sees this scope (request id, deadline).
    (req, res, next) => {
      const given = req.headers['x-request-id'];
      const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', requestId);
      runInRequestScope(newRequestScope(requestId, null), next);
    },
    expressMiddleware(apollo, {
      context: async () => {
        return {
          requestId: currentRequestScope()?.requestId ?? randomUUID(),
          loaders: createLoaders(services.providers, { batching: services.config.batching }),
          services,
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
    },
  };
}
