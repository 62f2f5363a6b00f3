import { z } from 'zod';
import { ProviderErrorCode } from '../errors.js';
import { ProviderHttpClient, type ErrorClassifier, type UpstreamCall } from '../http-client.js';

/**
 * The refresh-token grant's answer (RFC 6749 §5.1). Salesforce adds `instance_url` and sends no
 * `expires_in` (the org's session timeout applies); HubSpot sends `expires_in` (1,800 s) and a
 * `refresh_token` every time. FACTS §4 and §7.3.
 */
export const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
    .pipe(z.number().int().positive())
    .optional(),
  instance_url: z.url({ protocol: /^https?$/ }).optional(),
  token_type: z.string().optional(),
});
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

const OAuthErrorBody = z.object({ error: z.string(), error_description: z.string().optional() });

/**
 * Token-endpoint refusals that no retry can fix: the refresh token is revoked or expired
 * (`invalid_grant`), or the client itself is refused. Anything else (5xx, network) is transient.
 */
export const REFUSED_GRANT_ERRORS: ReadonlySet<string> = new Set([
  'invalid_grant',
  'invalid_client',
  // Salesforce's word for an unknown consumer key.
  'invalid_client_id',
  'unauthorized_client',
  'unsupported_grant_type',
]);

/** Reads the OAuth error body (`{error, error_description}`); the description is never kept (it may echo input). */
export const classifyTokenError: ErrorClassifier = (status, body) => {
  const parsed = OAuthErrorBody.safeParse(body);
  if (!parsed.success) return {};
  const refused = REFUSED_GRANT_ERRORS.has(parsed.data.error);
  return {
    providerCode: parsed.data.error,
    ...(refused ? { code: ProviderErrorCode.UNAUTHORIZED, retryable: false } : {}),
    ...(status === 429 ? { code: ProviderErrorCode.RATE_LIMITED, retryable: true } : {}),
  };
};

export interface OAuthClientCredentials {
  clientId: string;
  /** Salesforce connected apps may run without one (PKCE); HubSpot apps always have one. */
  clientSecret: string | null;
}

/** One provider's token endpoint, over the shared transport (its own pool, no bearer header). */
export class TokenEndpoint {
  private readonly http: ProviderHttpClient;
  private readonly path: string;
  readonly endpoint: string;

  constructor(
    provider: string,
    tokenUrl: string,
    private readonly client: OAuthClientCredentials,
    options: { timeoutMs?: number; onCall?: (call: UpstreamCall) => void } = {},
  ) {
    const url = new URL(tokenUrl);
    this.path = url.pathname;
    this.endpoint = `POST ${url.pathname}`;
    this.http = new ProviderHttpClient({
      provider,
      baseUrl: url.origin,
      authHeaders: () => ({}),
      classifyError: classifyTokenError,
      connections: 2,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.onCall === undefined ? {} : { onCall: options.onCall }),
    });
  }

  /** One refresh-token grant; the caller decides about retries (a failed grant is never repeated blindly). */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    const res = await this.http.request({
      method: 'POST',
      path: this.path,
      endpoint: this.endpoint,
      bodyEncoding: 'form',
      body: {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: this.client.clientId,
        ...(this.client.clientSecret === null ? {} : { client_secret: this.client.clientSecret }),
      },
      schema: TokenResponseSchema,
    });
    return res.body;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
