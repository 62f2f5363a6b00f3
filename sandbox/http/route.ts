import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler answers: the status, the JSON body (or none for 204) and any extra headers. */
export interface Reply {
  status: number;
  body?: unknown;
  /** A plain-text body instead of JSON (PostHog capture answers errors so). */
  text?: string;
  /**
   * The JSON body already serialised, byte for byte what `JSON.stringify` of it would make, as text
   * or as its UTF-8 bytes (pages joined from bytes made once, see sandbox/stripe/rendered-texts.ts);
   * `body` is then unset.
   */
  json?: string | Buffer;
  headers?: Record<string, string>;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  headers: IncomingHttpHeaders;
  /** The body exactly as received, for idempotency fingerprints and signatures. */
  rawBody: Buffer;
  /** The credential the provider's authenticate hook accepted (e.g. the API key). */
  credential: string;
  /** Path and query as received, for building `next` links. */
  url: string;
}

/**
 * One endpoint of a simulated provider. The same definition drives the server (validation and
 * dispatch) and the OpenAPI document, so the document cannot drift from what is served.
 */
export interface RouteDef {
  method: HttpMethod;
  /** OpenAPI path template, e.g. `/v1/customers/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  tags?: string[];
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** How the body is encoded on the wire; Stripe v1 uses forms, the others JSON. */
  bodyEncoding?: 'json' | 'form';
  /** Documented responses by status code. */
  responses: Record<number, string>;
  /**
   * The route authenticates itself (or not at all), e.g. PostHog capture, which takes the project
   * token in the body instead of a personal API key; the shared server then skips `authenticate`.
   */
  public?: boolean;
  /** The largest body this route reads (default MAX_BODY_BYTES); a larger one gets `failures.tooLarge` or the provider's malformed-body reply. */
  maxBodyBytes?: number;
  /**
   * A POST that only reads (HubSpot batch and association reads, search, a PostHog query): answered,
   * like every GET, from the data as it is when the request arrives, its work inside the injected
   * latency (sandbox/http/serve.ts `answer`).
   */
  readOnly?: boolean;
  /** This route's own words for the shared failures, where they differ from the provider's (PostHog capture answers in plain text). */
  failures?: RouteFailures;
  handle(input: RouteInput<unknown, unknown, unknown>): Reply | Promise<Reply>;
}

/** Failure replies a route may word itself; each replaces the provider's for that route. */
export interface RouteFailures {
  rateLimited?(): Reply;
  serverError?(): Reply;
  unavailable?(): Reply;
  malformedBody?(): Reply;
  /** The body is over `maxBodyBytes`. */
  tooLarge?(): Reply;
}

interface TypedRouteDef<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> extends Omit<
  RouteDef,
  'params' | 'query' | 'body' | 'handle'
> {
  params?: P;
  query?: Q;
  body?: B;
  handle(input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>): Reply | Promise<Reply>;
}

/** Declares a route with handler input types inferred from its zod schemas. */
export function route<
  P extends z.ZodType = z.ZodType<Record<string, never>>,
  Q extends z.ZodType = z.ZodType<Record<string, never>>,
  B extends z.ZodType = z.ZodType<undefined>,
>(def: TypedRouteDef<P, Q, B>): RouteDef {
  // The server validates against the same schemas before calling, so the erased input holds these types.
  return def as unknown as RouteDef;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body, headers } : { status, body };
}
