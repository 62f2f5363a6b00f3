/** Why a provider call failed, as the rest of Concord needs to know it. */
export const ProviderErrorCode = {
  /** Network failure, 5xx, or the provider said it is down. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** 429, or the provider's own rate-limit error. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** No answer within the per-attempt timeout. */
  TIMEOUT: 'TIMEOUT',
  /** A 2xx whose body is not what the provider documents (not JSON, or missing fields we read). */
  BAD_RESPONSE: 'BAD_RESPONSE',
  /** The provider says the object does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** Our credentials were refused (401/403): a configuration problem, not the client's. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** Any other 4xx: the provider refused what we sent. */
  REJECTED: 'REJECTED',
} as const;
export type ProviderErrorCode = (typeof ProviderErrorCode)[keyof typeof ProviderErrorCode];

export interface ProviderErrorInit {
  provider: string;
  code: ProviderErrorCode;
  /** HTTP status, or null when no response arrived. */
  status: number | null;
  retryable: boolean;
  /** `METHOD /path/{template}`: never the concrete URL, which may carry ids or emails. */
  endpoint: string;
  /** From Retry-After or the provider's own hint. */
  retryAfterMs?: number;
  /** The provider's own error code or category, for logs only. */
  providerCode?: string;
  /**
   * Facts from the error body that an adapter acts on (the parameter at fault, the id that already
   * holds a value): short identifiers only, never the provider's message, which can echo input.
   */
  details?: Readonly<Record<string, string>>;
  cause?: unknown;
}

/**
 * A failed provider call. The message names the provider, endpoint and status only: provider
 * bodies can echo request data and never belong in a message that may reach a client.
 */
export class ProviderError extends Error {
  readonly provider: string;
  readonly code: ProviderErrorCode;
  readonly status: number | null;
  readonly retryable: boolean;
  readonly endpoint: string;
  readonly retryAfterMs: number | undefined;
  readonly providerCode: string | undefined;
  readonly details: Readonly<Record<string, string>>;

  constructor(init: ProviderErrorInit) {
    super(
      `${init.provider} ${init.endpoint} failed: ${init.code}${init.status === null ? '' : ` (HTTP ${init.status})`}`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.name = 'ProviderError';
    this.provider = init.provider;
    this.code = init.code;
    this.status = init.status;
    this.retryable = init.retryable;
    this.endpoint = init.endpoint;
    this.retryAfterMs = init.retryAfterMs;
    this.providerCode = init.providerCode;
    this.details = init.details ?? {};
  }
}

/** The default reading of an HTTP status; providers refine it with their own error bodies. */
export function codeForStatus(status: number): { code: ProviderErrorCode; retryable: boolean } {
  if (status === 429) return { code: ProviderErrorCode.RATE_LIMITED, retryable: true };
  if (status === 404) return { code: ProviderErrorCode.NOT_FOUND, retryable: false };
  if (status === 401 || status === 403) return { code: ProviderErrorCode.UNAUTHORIZED, retryable: false };
  if (status === 408) return { code: ProviderErrorCode.TIMEOUT, retryable: true };
  if (status >= 500) return { code: ProviderErrorCode.UNAVAILABLE, retryable: true };
  return { code: ProviderErrorCode.REJECTED, retryable: false };
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
