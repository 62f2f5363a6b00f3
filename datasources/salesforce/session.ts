import { ProviderError, ProviderErrorCode } from '../transport/errors.js';
import type { ProviderHttpClient, ProviderRequest, ProviderResponse } from '../transport/http-client.js';
import type { AccessToken } from '../transport/oauth/token-source.js';
import { parseLimitInfo, type LimitInfo } from './quota.js';

/** Where access tokens come from: the OAuth token source, or a fixed token (tests, a pre-issued session). */
export interface SessionTokens {
  current(): Promise<AccessToken>;
  /** A token other than `rejected`, after Salesforce refused it (INVALID_SESSION_ID). */
  renew(rejected: string): Promise<AccessToken>;
}

/** A fixed token: a refusal cannot be fixed by asking again. */
export function fixedToken(value: string, instanceUrl: string | null): SessionTokens {
  const token: AccessToken = {
    value,
    instanceUrl,
    expiresAt: Number.POSITIVE_INFINITY,
    refreshAt: Number.POSITIVE_INFINITY,
  };
  return { current: () => Promise.resolve(token), renew: () => Promise.resolve(token) };
}

export interface SalesforceSessionOptions {
  tokens: SessionTokens;
  /** Used when the token answer names no `instance_url`. */
  instanceUrl: string | null;
  /** A transport client for an instance origin (keep-alive pool, policy, error classifier). */
  httpFor: (origin: string) => ProviderHttpClient;
  /** Told the org's API usage from each answer's Sforce-Limit-Info. */
  onLimitInfo?: (info: LimitInfo) => void;
}

/**
 * Salesforce's API over the shared transport, with the session: the bearer token and the instance
 * it belongs to (`instance_url` can change when an org moves), one pool per instance origin, and
 * one retry after INVALID_SESSION_ID with a renewed token (FACTS §4: the 401 of an expired session).
 */
export class SalesforceSession {
  private readonly clients = new Map<string, ProviderHttpClient>();
  private latestLimit: LimitInfo | null = null;

  constructor(private readonly options: SalesforceSessionOptions) {}

  /** The org's API usage as the last answer told it. */
  limitInfo(): LimitInfo | null {
    return this.latestLimit;
  }

  async request<T>(req: ProviderRequest<T>): Promise<ProviderResponse<T>> {
    const token = await this.options.tokens.current();
    try {
      return await this.send(req, token);
    } catch (error) {
      if (!isExpiredSession(error)) throw error;
      const renewed = await this.options.tokens.renew(token.value);
      if (renewed.value === token.value) throw error;
      return this.send(req, renewed);
    }
  }

  private async send<T>(req: ProviderRequest<T>, token: AccessToken): Promise<ProviderResponse<T>> {
    const instance = token.instanceUrl ?? this.options.instanceUrl;
    if (instance === null) {
      throw new ProviderError({
        provider: 'salesforce',
        endpoint: req.endpoint,
        status: null,
        code: ProviderErrorCode.UNAVAILABLE,
        retryable: false,
        providerCode: 'NO_INSTANCE_URL',
        details: { reason: 'auth' },
      });
    }
    const response = await this.clientFor(instance).request({
      ...req,
      headers: { ...req.headers, authorization: `Bearer ${token.value}` },
    });
    const info = parseLimitInfo(response.headers['sforce-limit-info']);
    if (info) {
      this.latestLimit = info;
      this.options.onLimitInfo?.(info);
    }
    return response;
  }

  private clientFor(instanceUrl: string): ProviderHttpClient {
    const origin = new URL(instanceUrl).origin;
    let client = this.clients.get(origin);
    if (!client) {
      client = this.options.httpFor(origin);
      this.clients.set(origin, client);
    }
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.close()));
    this.clients.clear();
  }
}

/** The session expired or was revoked: a 401 (Salesforce answers INVALID_SESSION_ID with it). */
export function isExpiredSession(error: unknown): boolean {
  return (
    error instanceof ProviderError &&
    error.status === 401 &&
    (error.providerCode === undefined || error.providerCode === 'INVALID_SESSION_ID')
  );
}
