import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { Logger } from 'pino';
import type { Domain } from '../datasources/model.js';
import { requestLoaders, type RequestContext, type Services } from './graphql/context.js';
import {
  currentRequestScope,
  newRequestScope,
  runInRequestScope,
} from '../datasources/transport/request-scope.js';
import { staleDataPlugin } from './cache/stale-plugin.js';
import { httpCachePolicyPlugin } from './cache/http-cache-policy.js';
import { createCacheStore } from './cache/store.js';
import { webhookRouter } from './webhooks/receivers.js';
import { DOMAIN_KEYS } from './providers/registry.js';
import { createAuthenticator } from './auth/authenticate.js';
import type { RuleTree } from './auth/rules.js';
import { viewerOf } from './auth/middleware.js';
import { createFormatError } from './errors/format-error.js';
import { listenOn } from './http/listen.js';
import { jsonErrors, notFound } from './http/refusals.js';
import { authFailureThrottle, openSchema, protectedSchema, requestGuards } from './http/security.js';
import { queryLimitPlugins, queryLimitRules, queryParseOptions } from './limits/query-limits.js';
import { idsPerCall, upstreamBudgetPlugin } from './limits/upstream-budget.js';
import { devHeaders } from './graphiql/dev-headers.js';
import { graphiqlForBrowsers, graphiqlRouter, noApolloLandingPage } from './graphiql/index.js';
import { accessLog } from './observability/access-log.js';
import { readiness } from './observability/health.js';
import { operationPlugin } from './observability/operation-plugin.js';
import { operationNamesIn } from './observability/operation-labels.js';
import { observabilityRoutes } from './observability/routes.js';
import { resolvers } from './resolvers/index.js';
import { loadTypeDefs } from './graphql/type-defs.js';
import { subscriptionsOverWebSocketOnly } from './subscriptions/over-http.js';
import { serveSubscriptions } from './subscriptions/ws-server.js';
import { trustedDocuments } from './graphql/trusted-documents.js';
import { executionGateway } from './graphql/compiled-execution.js';
import { refusesAnything } from './auth/rules.js';
import { permissions as defaultPermissions } from './auth/permissions.js';
import {
  TrustedDocumentsReloader,
  type ReloadResult,
  type ReloadTrigger,
} from './graphql/trusted-documents-reload.js';

// Not `import … from 'node:http'`: an ESM import of that module reads every export to build its
// namespace, including the lazy WebSocket/CloseEvent/MessageEvent getters, which loads Node's own
// copy of undici (~10 MiB RSS at idle, unused: Concord's HTTP client is the undici package).
const { createServer } = process.getBuiltinModule('node:http');

/** A request id from the client is kept only if it looks like one; otherwise we make our own. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;
/** Why a request's `ended` signal fired: its response is over (sent, or the client went away). */
const RESPONSE_ENDED = new Error('the response is over');

export interface Gateway {
  app: express.Express;
  server: Server;
  url: string;
  /** Origin of the admin listener (/metrics, /status, probes), or null when they are on `url`'s port. */
  adminUrl: string | null;
  /** Shutdown's first step: /readyz answers 503 and responses ask clients to close the connection. */
  beginDrain(): void;
  /** Reads the trusted-documents manifest again (main.ts calls it on SIGHUP); keeps the last good one on failure. */
  reloadTrustedDocuments(trigger?: ReloadTrigger): Promise<ReloadResult>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  services: Services;
  logger: Logger;
  host: string;
  port: number;
  /** The clock webhook signatures are checked against (epoch ms); tests fix it. Default: Date.now. */
  clock?: () => number;
  /** The field rules; default src/auth/permissions.ts (tests take one out to show the fallback denies). */
  permissions?: RuleTree;
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
export async function startGateway({
  services,
  logger,
  host,
  port,
  clock = Date.now,
  permissions,
}: GatewayOptions): Promise<Gateway> {
  const app = express();
  app.disable('x-powered-by');
  app.use(accessLog(logger));
  let draining = false;
  // While draining, a kept-alive client opens its next request elsewhere instead of on a closing socket.
  app.use((_req, res, next) => {
    if (draining) res.setHeader('connection', 'close');
    // Once an answer is out, what it fetched goes to the store now rather than a few ms later.
    res.once('finish', () => services.caching.startWrites());
    next();
  });
  const server = createServer(app);
  const domains = domainsOf(services);

  const trustedManifest = await TrustedDocumentsReloader.open(services.config.trustedDocuments, {
    logger,
    registry: services.observability.metrics?.registry ?? null,
    // The operator's own operations keep their metrics label whatever clients name theirs.
    onLoaded: (store) => services.observability.operationLabels.trust(operationNamesIn(store.documents())),
  });
  const trustedStore = trustedManifest.store;
  const trusted = trustedDocuments<RequestContext>(trustedStore, services.config.trustedDocuments.mode);
  const typeDefs = loadTypeDefs();
  const schema = protectedSchema(typeDefs, resolvers, permissions);
  const { config } = services;
  // "Did you mean …" names what the schema holds: shown only where introspection shows it anyway.
  const hideSchemaHints = config.env === 'production' || config.auth.introspection === 'off';
  const formatError = createFormatError({
    domainOf: (provider) => domains.get(provider),
    logUnexpected: (error) => logger.error({ err: error }, 'masked an unexpected error'),
    hideSchemaHints,
  });
  const authenticate = createAuthenticator(services.config.auth);
  // Subscriptions share the HTTP server and path: graphql-ws clients connect to ws://…/graphql.
  const authFailures = authFailureThrottle(services);
  const subscriptions = serveSubscriptions({
    authFailures,
    server,
    path: '/graphql',
    schema,
    services,
    authenticate,
    validationRules: queryLimitRules(services.config.queryLimits),
    cost: {
      maxCost: config.queryLimits.maxCost,
      defaultPageSize: config.pageSize.defaultSize,
      maxPageSize: config.pageSize.maxSize,
    },
    settings: config.subscriptions,
    maxPayload: config.maxBodyBytes,
    formatError,
    logger,
    trustedOnly: services.config.trustedDocuments.mode === 'allow-listed-only' ? trustedStore : null,
  });
  const graphiqlPage = async (scopes: string | undefined) => ({
    endpoint: '/graphql',
    headers: await devHeaders(services, scopes),
  });

  const apollo = new ApolloServer<RequestContext>({
    // A fixed schema served through a custom executor: documents seen before run compiled.
    gateway: executionGateway(
      {
        guarded: schema,
        open: openSchema(typeDefs, resolvers, permissions),
        refusesAnything: (context, view) =>
          refusesAnything(permissions ?? defaultPermissions, (context as RequestContext).viewer, view),
      },
      services.config.compiledExecution,
    ),
    // Depth, cost, aliases and directives are checked before execution: no provider call for a refusal.
    validationRules: queryLimitRules(services.config.queryLimits),
    parseOptions: queryParseOptions(services.config.queryLimits),
    // Apollo 5's default, stated so nobody turns it off: refuses GETs and simple POSTs a browser
    // could send cross-site without a preflight.
    csrfPrevention: true,
    formatError,
    // Compact JSON: Apollo's default indents every answer, which costs time and bytes for nobody.
    stringifyResult: (result) => JSON.stringify(result),
    includeStacktraceInErrorResponses: false,
    // "Did you mean …" suggestions would list field names a client may not be allowed to see.
    hideSchemaDetailsFromClientErrors: hideSchemaHints,
    introspection: services.config.auth.introspection !== 'off',
    persistedQueries: trusted.persistedQueries,
    plugins: [
      // In-flight requests get SHUTDOWN_GRACE_MS to finish before their connections are cut.
      ApolloServerPluginDrainHttpServer({
        httpServer: server,
        stopGracePeriodMillis: services.config.shutdown.graceMs,
      }),
      // WebSocket connections are not HTTP requests: the drain above does not see them.
      {
        serverWillStart: async () => ({
          drainServer: () => subscriptions.close(),
        }),
      },
      // Cost needs the variables, so it is checked once the operation is resolved, still before execution.
      ...queryLimitPlugins<RequestContext>(services.config.queryLimits, services.config.pageSize),
      subscriptionsOverWebSocketOnly('/graphql'),
      // Ids of providers without a batch read cost one upstream call each: refused over the budget, unrun.
      ...(services.config.providerQuotas.upstreamCallBudget === null
        ? []
        : [
            upstreamBudgetPlugin<RequestContext>(
              services.config.providerQuotas.upstreamCallBudget,
              idsPerCall(services.descriptors),
            ),
          ]),
      staleDataPlugin(),
      // Cache-Control decided once per document (Apollo's own plugin would wrap every field).
      ApolloServerPluginCacheControlDisabled(),
      httpCachePolicyPlugin(),
      operationPlugin(services.observability),
      trusted.plugin,
      noApolloLandingPage(),
    ],
    // main.ts owns shutdown (drain, close pools, exit 0); Apollo's own handler would re-raise the signal.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const guards = requestGuards(services, authenticate, logger, authFailures);

  // Probes answer on the public port (orchestrators) and on the admin one.
  const probes = express.Router();
  probes.get('/readyz', async (_req, res) => {
    // Draining: a load balancer stops sending while in-flight requests finish.
    if (draining) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    // Redis down or a circuit open is degraded, not unready: queries still answer (observability/health.ts).
    res
      .set('cache-control', 'no-store')
      .json(
        await readiness(
          services.caching.store,
          services.resilience,
          services.oauth?.health() ?? [],
          services.writeSetup?.problems() ?? [],
        ),
      );
  });
  probes.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(probes);
  // Providers authenticate webhooks by signature, not by our tokens: mounted before auth.
  app.use(
    '/webhooks',
    webhookRouter({
      settings: services.config.webhooks,
      providers: DOMAIN_KEYS.flatMap((key) => {
        const { name, title, changes } = services.descriptors[key];
        return changes?.kind === 'webhook' ? [{ name, title, webhook: changes }] : [];
      }),
      caching: services.caching,
      logger,
      seen: services.caching.store ?? createCacheStore({ redisUrl: null }),
      events: services.events,
      redis: services.redis,
      now: clock,
    }),
  );
  // /metrics and /status tell what the gateway knows of its providers and clients: in production on
  // their own listener (ADMIN_PORT), not on the port the internet reaches.
  const { adminPort } = config.observability;
  const admin = adminPort === null ? null : express();
  if (admin) {
    admin.disable('x-powered-by');
    admin.use(probes, observabilityRoutes(services), notFound, jsonErrors(logger, config.maxBodyBytes));
  } else {
    app.use(observabilityRoutes(services));
  }
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
      const scope = newRequestScope(
        requestId,
        deadline,
        services.config.providerQuotas.upstreamCallBudget ?? undefined,
      );
      // Calls still waiting for a provider's quota when the response is over leave the queue.
      const ended = new AbortController();
      // One shared reason: abort() without one builds a DOMException (a stack trace) on every request.
      res.once('close', () => ended.abort(RESPONSE_ENDED));
      scope.ended = ended.signal;
      const { tracing } = services.observability;
      if (!tracing) {
        runInRequestScope(scope, next);
        return;
      }
      // The operation span is the parent of every span the request makes; providers get its traceparent.
      tracing.inOperation(
        // 'close', not 'finish': it also fires when the client goes away, so no span is left open.
        (end) => res.once('close', end),
        () => {
          scope.traceHeaders = tracing.propagationHeaders();
          runInRequestScope(scope, next);
        },
      );
    },
    ...guards.admit,
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const scope = currentRequestScope();
        const viewer = viewerOf(req);
        // Known only after authentication: each client waits in its own lane for a provider's quota.
        if (scope && viewer) scope.clientId = viewer.id;
        return {
          requestId: scope?.requestId ?? randomUUID(),
          loaders: requestLoaders(services),
          services,
          viewer,
          now: new Date(),
        };
      },
    }),
  );

  // Every refusal is JSON with a public code, in every mode: never express's HTML page with a stack.
  app.use(notFound);
  app.use(jsonErrors(logger, config.maxBodyBytes));

  const adminServer = admin ? createServer(admin) : null;
  let adminUrl: string | null = null;
  let url: string;
  try {
    const address = await listenOn(server, host, port, 'PORT');
    if (adminServer && adminPort !== null) {
      const adminAddress = await listenOn(adminServer, host, adminPort, 'ADMIN_PORT');
      adminUrl = `http://${adminAddress.address}:${adminAddress.port}`;
    }
    url = `http://${address.address}:${address.port}/graphql`;
  } catch (error) {
    trustedManifest.stop();
    server.close();
    adminServer?.close();
    await apollo.stop().catch(() => {});
    throw error;
  }
  return {
    app,
    server,
    url,
    adminUrl,
    beginDrain: () => {
      draining = true;
    },
    reloadTrustedDocuments: (trigger) => trustedManifest.reload(trigger),
    stop: async () => {
      draining = true;
      trustedManifest.stop();
      // Scrapes are short: the admin listener closes at once, the public one drains (Apollo's plugin).
      adminServer?.closeAllConnections();
      adminServer?.close();
      await apollo.stop();
    },
  };
}
