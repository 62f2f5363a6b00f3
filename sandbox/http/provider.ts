import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { DocumentedLimit } from './limits.js';
import type { Reply, RouteDef } from './route.js';

/** The providers the gateway's suites and bench iterate over. */
export const PROVIDERS = ['hubspot', 'stripe', 'posthog'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
/** Every twin the sandbox runs: those providers plus Salesforce, the second CRM (issue 17). */
export const TWINS = [...PROVIDERS, 'salesforce'] as const;
export type TwinName = (typeof TWINS)[number];

export type AuthOutcome = { ok: true; credential: string } | { ok: false; reply: Reply };

export interface RateLimitState {
  limit: number;
  windowMs: number;
  remaining: number;
  /** Milliseconds until the current window ends. */
  resetInMs: number;
}

/**
 * How one provider speaks: its routes, how it checks credentials and the exact shape of each
 * kind of failure. The shared server applies knobs, counters and validation in one place and
 * asks the provider for the words.
 */
export interface ProviderProtocol {
  name: TwinName;
  title: string;
  routes: RouteDef[];
  authenticate(headers: IncomingHttpHeaders, query: Record<string, unknown>): AuthOutcome;
  /** A request that failed schema validation; `where` says which part. */
  invalid(issues: z.core.$ZodIssue[], where: 'params' | 'query' | 'body', route: RouteDef): Reply;
  /** No route matches the method and path. */
  unknownRoute(method: string, path: string): Reply;
  /** An injected 5xx (the error-rate knob). */
  serverError(): Reply;
  /** The outage knob: the provider is down. */
  unavailable(): Reply;
  /** Over the rate-limit knob, or over one of the provider's documented limits (`limit` then says which). */
  rateLimited(state: RateLimitState, limit?: DocumentedLimit): Reply;
  /** The provider's documented rate limits that apply to a route (enforced while the `documentedLimits` knob is on). */
  documentedLimits?(route: RouteDef): readonly DocumentedLimit[];
  /**
   * Routes outside the provider's main rate window (HubSpot search, outside the ten-secondly
   * window): the rate-limit knob, which stands for that window, does not count them either.
   */
  outsideRateWindow?(route: RouteDef): boolean;
  /** A body that could not be parsed (bad JSON, bad form). */
  malformedBody(): Reply;
  /**
   * Headers the provider adds to every response (e.g. HubSpot's rate-limit headers): `state` is the
   * first window the request was counted in, `limits` every documented limit it was counted against.
   */
  responseHeaders?(
    state: RateLimitState | null,
    limits?: readonly { limit: DocumentedLimit; state: RateLimitState }[],
  ): Record<string, string>;
  /** Security schemes for the OpenAPI document. */
  securitySchemes: Record<string, unknown>;
}
