import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as yieldToArrivals, setTimeout as sleep } from 'node:timers/promises';
import express, { type Request, type Response } from 'express';
import qs from 'qs';
import { KnobsPatchSchema, type KnobBoard } from './knobs.js';
import type { RequestCounters } from './counters.js';
import { buildOpenApiDocument } from './openapi.js';
import type { ProviderProtocol, RateLimitState } from './provider.js';
import type { DocumentedLimit } from './limits.js';
import type { Reply, RouteDef } from './route.js';

/** The largest body a simulator reads; real providers refuse far smaller bodies than this. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Endpoint key for requests that matched no route. */
export const UNMATCHED_ENDPOINT = 'UNMATCHED';
/** Admin paths live under this prefix; they skip auth, knobs and counters. */
export const ADMIN_PREFIX = '/__sandbox';
/**
 * Told `{ request, ms }` once a route's answer is written: the twin's own work for it, from the end
 * of the injected latency to the written body. For traces (bench/cold-trace); changes no answer.
 */
export const HANDLED_CHANNEL = 'concord-sandbox:handled';
const handled = diagnostics.channel(HANDLED_CHANNEL);

export interface SimulatorServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export interface ServeOptions {
  protocol: ProviderProtocol;
  knobs: KnobBoard;
  counters: RequestCounters;
  host?: string;
  port?: number;
  /** Extra admin routes a provider or the sandbox adds (e.g. data info), mounted under ADMIN_PREFIX. */
  admin?: (router: express.Router) => void;
}

function toExpressPath(template: string): string {
  return template.replace(/\{([^}]+)\}/g, ':$1');
}

/** Literal segments win over parameters, as in the real APIs (`/customers/search` before `/customers/{id}`). */
function byLiteralFirst(a: RouteDef, b: RouteDef): number {
  return (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0);
}

function send(res: Response, reply: Reply, extraHeaders: Record<string, string> = {}): void {
  res.status(reply.status);
  for (const [k, v] of Object.entries({ ...extraHeaders, ...reply.headers })) res.setHeader(k, v);
  if (reply.text !== undefined) {
    res.type('text/plain').send(reply.text);
    return;
  }
  if (typeof reply.json === 'string') {
    res.type('application/json').send(reply.json);
    return;
  }
  if (reply.json !== undefined) {
    // The header express gives a string body, so bytes and text answer alike.
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.send(reply.json);
    return;
  }
  if (reply.body === undefined) {
    res.end();
    return;
  }
  res.type('application/json').send(JSON.stringify(reply.body));
}

function parseBody(route: RouteDef, raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (!route.body) return { ok: true, value: undefined };
  const text = raw.toString('utf8');
  if (route.bodyEncoding === 'form') {
    return { ok: true, value: qs.parse(text, { arrayLimit: 1000, depth: 10 }) };
  }
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Builds the express app for one simulated provider. */
export function buildSimulatorApp({ protocol, knobs, counters, admin }: ServeOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const provider = protocol.name;

  const adminRouter = express.Router();
  adminRouter.use(express.json());
  adminRouter.get('/knobs', (_req, res) => {
    res.json(knobs.get(provider));
  });
  adminRouter.patch('/knobs', (req: Request, res: Response) => {
    const parsed = KnobsPatchSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      return;
    }
    res.json(knobs.set(provider, parsed.data));
  });
  adminRouter.post('/knobs/reset', (_req, res) => {
    knobs.reset(provider);
    res.json(knobs.get(provider));
  });
  adminRouter.get('/counters', (_req, res) => {
    res.json(counters.snapshot());
  });
  adminRouter.delete('/counters', (_req, res) => {
    counters.reset();
    res.status(204).end();
  });
  admin?.(adminRouter);
  app.use(ADMIN_PREFIX, adminRouter);

  const openapi = buildOpenApiDocument(protocol);
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  for (const route of [...protocol.routes].sort(byLiteralFirst)) {
    const endpoint = `${route.method} ${route.path}`;
    const rawBody = express.raw({ type: () => true, limit: route.maxBodyBytes ?? MAX_BODY_BYTES });
    app[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](
      toExpressPath(route.path),
      (req: Request, res: Response, next: express.NextFunction) => {
        res.on('finish', () => counters.record(provider, endpoint, res.statusCode));
        next();
      },
      rawBody,
      async (req: Request, res: Response) => {
        const reply = await answer(protocol, knobs, route, req);
        const sending = performance.now();
        send(res, reply.reply, protocol.responseHeaders?.(reply.rate, reply.limits) ?? {});
        if (handled.hasSubscribers)
          handled.publish({ request: req, ms: reply.workMs + performance.now() - sending });
      },
      // An oversized body, in the route's words when it has them (PostHog capture's plain-text 413).
      (err: unknown, _req: Request, res: Response, next: express.NextFunction) => {
        const tooLarge = route.failures?.tooLarge;
        if ((err as { status?: number }).status === 413 && tooLarge && !res.headersSent) {
          send(res, tooLarge());
          return;
        }
        next(err);
      },
    );
  }

  app.use(async (req: Request, res: Response) => {
    res.on('finish', () => counters.record(provider, UNMATCHED_ENDPOINT, res.statusCode));
    const delay = knobs.delayFor(provider);
    if (delay > 0) await sleep(delay);
    send(res, protocol.unknownRoute(req.method, req.path));
  });

  // Express's own errors (an oversized body, an aborted stream) still answer in the provider's words.
  app.use((err: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    const status = (err as { status?: number }).status ?? 500;
    if (res.headersSent) return;
    send(res, status >= 400 && status < 500 ? protocol.malformedBody() : protocol.serverError());
  });
  return app;
}

/** The provider's failure replies, with the route's own words where it has them. */
function failuresOf(protocol: ProviderProtocol, route: RouteDef) {
  const own = route.failures ?? {};
  return {
    rateLimited: (state: RateLimitState, limit?: DocumentedLimit): Reply =>
      own.rateLimited?.() ?? protocol.rateLimited(state, limit),
    serverError: (): Reply => own.serverError?.() ?? protocol.serverError(),
    unavailable: (): Reply => own.unavailable?.() ?? protocol.unavailable(),
    malformedBody: (): Reply => own.malformedBody?.() ?? protocol.malformedBody(),
  };
}

interface Answer {
  reply: Reply;
  rate: RateLimitState | null;
  /** Every documented limit the request was counted against, with its state after it. */
  limits?: readonly { limit: DocumentedLimit; state: RateLimitState }[];
  /** The twin's own work for the answer, in ms (for traces). */
  workMs: number;
}

/** A GET or a POST that only reads: nothing it does can be seen by another request. */
const onlyReads = (route: RouteDef): boolean => route.method === 'GET' || route.readOnly === true;

/**
 * The answer after the injected latency. A read is worked out when it arrives and sent when the
 * latency has passed (later only when its work takes longer): the latency is the provider's time to
 * answer, its servers' work included, so a twin sharing one thread with the others does not queue
 * reads behind each other's work. A write lands after the latency, when its answer is sent, as the
 * write tests rely on (a lost answer, a retry racing a slow first attempt).
 */
async function answer(
  protocol: ProviderProtocol,
  knobs: KnobBoard,
  route: RouteDef,
  req: Request,
): Promise<Answer> {
  const delay = knobs.delayFor(protocol.name);
  if (!onlyReads(route) || delay === 0) {
    if (delay > 0) await sleep(delay);
    const awake = performance.now();
    const done = await respond(protocol, knobs, route, req);
    return { ...done, workMs: performance.now() - awake };
  }
  const arrived = performance.now();
  // The work waits for the event loop's next turn, so every request that came in with this one is
  // timed from its own arrival, not from when a heavy neighbour's work let the server read it.
  await yieldToArrivals();
  const worked = performance.now();
  const done = await respond(protocol, knobs, route, req);
  // Serialised now, so the bytes are ready when the latency is over.
  const reply = done.reply.body === undefined ? done.reply : serialised(done.reply);
  const workMs = performance.now() - worked;
  const elapsed = performance.now() - arrived;
  if (delay > elapsed) await sleep(delay - elapsed);
  return { ...done, reply, workMs };
}

/** A JSON reply with its body already written as text, byte for byte what `send` would write. */
function serialised(reply: Reply): Reply {
  const { body, ...rest } = reply;
  return { ...rest, json: JSON.stringify(body) };
}

/** The answer itself: the provider's checks, then the route's handler. */
async function respond(
  protocol: ProviderProtocol,
  knobs: KnobBoard,
  route: RouteDef,
  req: Request,
): Promise<Omit<Answer, 'workMs'>> {
  const provider = protocol.name;
  const words = failuresOf(protocol, route);
  if (knobs.get(provider).outage) return { reply: words.unavailable(), rate: null };

  const search = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
  const rawQuery = qs.parse(search, { arrayLimit: 1000, depth: 10 });
  const auth = route.public
    ? ({ ok: true, credential: 'public' } as const)
    : protocol.authenticate(req.headers, rawQuery);
  if (!auth.ok) return { reply: auth.reply, rate: null };

  // Public routes (PostHog capture, with the project token) sit outside the provider's rate limits.
  const knobRate =
    route.public || protocol.outsideRateWindow?.(route) ? null : knobs.consume(provider, auth.credential);
  if (knobRate && knobRate.remaining < 0) return { reply: words.rateLimited(knobRate), rate: knobRate };
  const documented = knobs.consumeDocumented(
    provider,
    auth.credential,
    protocol.documentedLimits?.(route) ?? [],
  );
  if (documented?.over) {
    return {
      reply: words.rateLimited(documented.over.state, documented.over.limit),
      // The headers' window stays the first limit's (HubSpot's ten-secondly), even when the day's is over.
      rate: documented.state,
      limits: documented.all,
    };
  }
  const rate = knobRate ?? documented?.state ?? null;
  const limits = documented?.all;
  if (knobs.shouldFail(provider)) return { reply: words.serverError(), rate, limits };

  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const body = parseBody(route, raw);
  if (!body.ok) return { reply: words.malformedBody(), rate, limits };

  const parts = { params: req.params, query: rawQuery, body: body.value } as const;
  const input: Record<'params' | 'query' | 'body', unknown> = { params: {}, query: {}, body: undefined };
  for (const where of ['params', 'query', 'body'] as const) {
    const schema = route[where];
    if (!schema) continue;
    const parsed = schema.safeParse(parts[where]);
    if (!parsed.success) return { reply: protocol.invalid(parsed.error.issues, where, route), rate, limits };
    input[where] = parsed.data;
  }
  try {
    const reply = await route.handle({
      params: input.params,
      query: input.query,
      body: input.body,
      headers: req.headers,
      rawBody: raw,
      credential: auth.credential,
      url: req.originalUrl,
    });
    if (knobs.shouldLoseAnswer(provider)) return { reply: words.serverError(), rate, limits };
    return { reply, rate, limits };
  } catch (error) {
    console.error(`[sandbox:${provider}] ${route.operationId} failed:`, error);
    return { reply: words.serverError(), rate, limits };
  }
}

/** A simulator that could not listen, named by its port variable: one line for whoever started it. */
export class ListenError extends Error {
  readonly code = 'LISTEN_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'ListenError';
  }
}

const LISTEN_REASONS: Record<string, string> = {
  EADDRINUSE: 'is already in use; stop what holds it or choose another port',
  EACCES: 'needs privileges this process lacks; choose a port above 1023',
  EADDRNOTAVAIL: 'is not an address of this machine; check SANDBOX_HOST',
};

/** The one-line error for a listen failure of `variable`'s port, or the error itself when it is not one. */
export function listenFailure(error: unknown, variable: string, host: string, port: number): unknown {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const reason = typeof code === 'string' ? LISTEN_REASONS[code] : undefined;
  return reason ? new ListenError(`${variable}=${port}: ${host}:${port} ${reason}`) : error;
}

/** Starts a simulator on loopback; port 0 picks a free port. */
export async function serveSimulator(options: ServeOptions): Promise<SimulatorServer> {
  const app = buildSimulatorApp(options);
  const server = createServer(app as (req: IncomingMessage, res: ServerResponse) => void);
  server.keepAliveTimeout = 65_000;
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    server,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
