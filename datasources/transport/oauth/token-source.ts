import { createHash, randomUUID } from 'node:crypto';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { ProviderError, ProviderErrorCode } from '../errors.js';
import { currentRequestScope } from '../request-scope.js';
import type { Sealer } from './sealed.js';
import type { TokenResponse } from './token-endpoint.js';
import type { TokenStore } from './token-store.js';

/** Refresh this long before the access token expires, so requests never wait for a refresh. */
export const DEFAULT_REFRESH_AHEAD_MS = 60_000;
/** The refresh lock's lease: longer than a refresh with its retries (3 tries of ≤5 s plus backoff). */
export const DEFAULT_LOCK_MS = 30_000;
/** How often a replica waiting for another's refresh looks for the new token. */
export const DEFAULT_POLL_MS = 50;
/** Tries of the token endpoint after the first, for transient failures (network, 5xx, 429). */
export const DEFAULT_REFRESH_RETRIES = 2;
/** After a refresh failed for a transient reason, callers fail fast this long instead of each trying again. */
export const DEFAULT_FAILURE_HOLD_MS = 5_000;
/** After the refresh token was refused (revoked), how long before one replica tries it again. */
export const DEFAULT_REVOKED_HOLD_MS = 60_000;
/** A token this close to its expiry is not sent at all: it would expire on the way. */
const EXPIRY_MARGIN_MS = 2_000;

export interface AccessToken {
  value: string;
  /** Salesforce's `instance_url`: where this token's API lives; null for providers without one. */
  instanceUrl: string | null;
  /** Epoch ms after which the provider no longer takes it. */
  expiresAt: number;
  /** Epoch ms from which a refresh is started (in the background while this token still works). */
  refreshAt: number;
}

/** What readiness says about a provider's OAuth credentials. */
export type CredentialState = 'ok' | 'refresh-failing' | 'revoked';

export interface CredentialHealth {
  provider: string;
  state: CredentialState;
  /** Epoch ms the state began; null while ok. */
  since: number | null;
}

export interface RefreshEvent {
  provider: string;
  /** `refreshed`: this replica called the token endpoint; `adopted`: it took another replica's token. */
  outcome: 'refreshed' | 'adopted' | 'failed' | 'revoked';
  /** The endpoint sent a new refresh token (rotation), stored before the new access token was used. */
  rotated?: boolean;
  /** Why it failed, as the provider's error code; never a token or the endpoint's description. */
  errorCode?: string;
}

/** The one call a source makes to its provider: the refresh-token grant. */
export interface TokenRefresher {
  readonly endpoint: string;
  refresh(refreshToken: string): Promise<TokenResponse>;
}

export interface OAuthTokenSourceOptions {
  provider: string;
  endpoint: TokenRefresher;
  clientId: string;
  /** The refresh token from configuration; a rotated one found in the store takes its place. */
  refreshToken: string;
  store: TokenStore;
  sealer: Sealer;
  /** How long an access token lives when the answer has no `expires_in` (Salesforce: the org's session timeout). */
  defaultLifetimeMs: number;
  refreshAheadMs?: number;
  lockMs?: number;
  pollMs?: number;
  retries?: number;
  /** The first backoff and its ceiling between tries of the token endpoint (cockatiel, jittered). */
  backoff?: { initialMs: number; maxMs: number };
  failureHoldMs?: number;
  revokedHoldMs?: number;
  keyPrefix?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onRefresh?: (event: RefreshEvent) => void;
  /** A problem worth a log line that did not fail the caller (the store unreachable); never carries a token. */
  onWarning?: (message: string, error: unknown) => void;
}

interface FailureNote {
  kind: 'failed' | 'revoked';
  code: string;
  until: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** A short, one-way name for the credential: store keys never carry a token. */
function fingerprint(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('base64url').slice(0, 22);
}

/**
 * OAuth 2.0 access tokens for one provider credential, refreshed with the refresh-token grant:
 * ahead of expiry (in the background while the old token still works) and when the provider
 * refuses the token (a 401), once per process (single-flight) and once across replicas (a lock in
 * the shared store; the others wait for the token it writes, sealed). A rotated refresh token is
 * stored before the new access token is handed out. A failed refresh is a PROVIDER_UNAVAILABLE
 * with `reason: auth`, held for a while so callers fail fast instead of herding the endpoint; a
 * refused grant (`invalid_grant`) makes the credential `revoked` for readiness.
 */
export class OAuthTokenSource {
  readonly provider: string;
  private readonly options: Required<Omit<OAuthTokenSourceOptions, 'onRefresh' | 'onWarning' | 'backoff'>> &
    Pick<OAuthTokenSourceOptions, 'onRefresh' | 'onWarning'> & {
      backoff: { initialMs: number; maxMs: number };
    };
  private readonly keys: { access: string; refresh: string; lock: string; failed: string };
  private readonly owner = randomUUID();
  private token: AccessToken | null = null;
  private inflight: Promise<AccessToken> | null = null;
  private failure: (FailureNote & { error: ProviderError }) | null = null;
  private state: CredentialHealth;
  /** The refresh token this replica knows to be the latest (configuration's, or a rotated one). */
  private refreshToken: string;

  constructor(options: OAuthTokenSourceOptions) {
    this.provider = options.provider;
    this.options = {
      refreshAheadMs: DEFAULT_REFRESH_AHEAD_MS,
      lockMs: DEFAULT_LOCK_MS,
      pollMs: DEFAULT_POLL_MS,
      retries: DEFAULT_REFRESH_RETRIES,
      backoff: { initialMs: 200, maxMs: 5_000 },
      failureHoldMs: DEFAULT_FAILURE_HOLD_MS,
      revokedHoldMs: DEFAULT_REVOKED_HOLD_MS,
      keyPrefix: 'concord:oauth:',
      now: Date.now,
      sleep: defaultSleep,
      ...options,
    };
    this.refreshToken = options.refreshToken;
    // A new refresh token in configuration (a new authorization) starts a new slot: the old
    // slot's rotated token belongs to the old authorization.
    const base = `${this.options.keyPrefix}${options.provider}:${fingerprint(options.clientId, options.refreshToken)}`;
    this.keys = {
      access: `${base}:access`,
      refresh: `${base}:refresh`,
      lock: `${base}:lock`,
      failed: `${base}:failed`,
    };
    this.state = { provider: options.provider, state: 'ok', since: null };
  }

  /** The state readiness reports; `revoked` means an operator must authorize the app again. */
  health(): CredentialHealth {
    return { ...this.state };
  }

  /**
   * A token to send now. Past the refresh-ahead point the current one is still handed out while a
   * refresh runs in the background; only an expired (or absent) token makes the caller wait.
   */
  async current(): Promise<AccessToken> {
    const token = this.token;
    const now = this.options.now();
    if (token && now < token.expiresAt - EXPIRY_MARGIN_MS) {
      if (now >= token.refreshAt) {
        // Handled here: its outcome is recorded in health() and reaches the next caller that waits.
        this.obtain(null).catch(() => undefined);
      }
      return token;
    }
    return this.obtain(null);
  }

  /**
   * The provider refused `rejected` (HTTP 401, Salesforce INVALID_SESSION_ID): a token other than
   * that one, refreshing only if nobody (in this process or another replica) already has.
   */
  async renew(rejected: string): Promise<AccessToken> {
    const token = this.token;
    if (token && token.value !== rejected && this.options.now() < token.expiresAt - EXPIRY_MARGIN_MS) {
      return token;
    }
    const renewed = await this.obtain(rejected);
    // A flight started for expiry may have adopted the very token refused: ask once more.
    return renewed.value === rejected ? this.obtain(rejected) : renewed;
  }

  /** When to refresh a token issued now: the lead before expiry, or half its life for short-lived tokens. */
  private refreshAtFor(issued: number, expiresAt: number): number {
    const lifetime = expiresAt - issued;
    return expiresAt - Math.min(this.options.refreshAheadMs, Math.max(0, lifetime / 2));
  }

  private obtain(rejected: string | null): Promise<AccessToken> {
    this.inflight ??= this.sync(rejected).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private usable(token: AccessToken | null, rejected: string | null): token is AccessToken {
    if (!token || token.value === rejected) return false;
    const now = this.options.now();
    return now < token.refreshAt && now < token.expiresAt - EXPIRY_MARGIN_MS;
  }

  /** Waits no longer than the client request that needs the token may (its deadline), else the lock's lease twice. */
  private waitLimit(): number {
    const now = this.options.now();
    const deadline = currentRequestScope()?.deadline ?? null;
    const own = now + 2 * this.options.lockMs;
    return deadline === null ? own : Math.min(own, deadline);
  }

  private async sync(rejected: string | null): Promise<AccessToken> {
    const { now, store, lockMs, pollMs, sleep } = this.options;
    const held = this.failure;
    if (held && now() < held.until) throw held.error;
    const latest = this.waitLimit();
    for (;;) {
      const shared = await this.readShared();
      if (this.usable(shared, rejected)) return this.adopt(shared, 'adopted');
      const note = await this.readFailure();
      if (note) throw this.remember(note);

      let locked: boolean;
      try {
        locked = await store.acquire(this.keys.lock, this.owner, lockMs);
      } catch (error) {
        // No shared store: refresh for this process alone rather than fail every request.
        this.options.onWarning?.(
          `${this.provider} token store unreachable; refreshing without the shared lock`,
          error,
        );
        return this.refreshNow();
      }
      if (locked) {
        try {
          // Another replica may have finished between our read and the lock.
          const again = await this.readShared();
          if (this.usable(again, rejected)) return this.adopt(again, 'adopted');
          return await this.refreshNow();
        } finally {
          await store.release(this.keys.lock, this.owner).catch((error: unknown) => {
            this.options.onWarning?.(`${this.provider} token lock not released (its lease ends it)`, error);
          });
        }
      }
      if (now() >= latest) {
        throw this.authError('failed', 'OAUTH_REFRESH_WAIT', 'waiting for another replica to refresh');
      }
      await sleep(pollMs);
    }
  }

  /** One refresh-token grant with retries; the new refresh token is stored before the access token. */
  private async refreshNow(): Promise<AccessToken> {
    const { endpoint, retries, backoff } = this.options;
    const refreshToken = (await this.readRefreshToken()) ?? this.refreshToken;
    const policy = retry(
      handleWhen((error) => error instanceof ProviderError && error.retryable),
      {
        maxAttempts: retries,
        backoff: new ExponentialBackoff({ initialDelay: backoff.initialMs, maxDelay: backoff.maxMs }),
      },
    );
    let answer: TokenResponse;
    try {
      answer = await policy.execute(() => endpoint.refresh(refreshToken));
    } catch (error) {
      const refused = error instanceof ProviderError && error.code === ProviderErrorCode.UNAUTHORIZED;
      const code = error instanceof ProviderError ? (error.providerCode ?? error.code) : 'ERROR';
      const kind = refused ? 'revoked' : 'failed';
      const note: FailureNote = {
        kind,
        code,
        until: this.options.now() + (refused ? this.options.revokedHoldMs : this.options.failureHoldMs),
      };
      await this.writeFailure(note);
      this.options.onRefresh?.({ provider: this.provider, outcome: kind, errorCode: code });
      throw this.remember(note, error);
    }

    const rotated = answer.refresh_token !== undefined && answer.refresh_token !== refreshToken;
    if (rotated && answer.refresh_token !== undefined) {
      this.refreshToken = answer.refresh_token;
      await this.writeRefreshToken(answer.refresh_token);
    }
    const issued = this.options.now();
    const expiresAt =
      issued + (answer.expires_in === undefined ? this.options.defaultLifetimeMs : answer.expires_in * 1000);
    const token: AccessToken = {
      value: answer.access_token,
      instanceUrl: answer.instance_url ?? this.token?.instanceUrl ?? null,
      expiresAt,
      refreshAt: this.refreshAtFor(issued, expiresAt),
    };
    await this.writeShared(token);
    await this.options.store.del(this.keys.failed).catch(() => undefined);
    return this.adopt(token, 'refreshed', rotated);
  }

  private adopt(token: AccessToken, outcome: 'refreshed' | 'adopted', rotated = false): AccessToken {
    this.token = token;
    this.failure = null;
    this.state = { provider: this.provider, state: 'ok', since: null };
    this.options.onRefresh?.({ provider: this.provider, outcome, ...(rotated ? { rotated } : {}) });
    return token;
  }

  /** Records a failure (ours or another replica's) and answers the error callers get until it lapses. */
  private remember(note: FailureNote, cause?: unknown): ProviderError {
    const error = this.authError(note.kind, note.code, cause);
    this.failure = { ...note, error };
    const state: CredentialState = note.kind === 'revoked' ? 'revoked' : 'refresh-failing';
    if (this.state.state !== state)
      this.state = { provider: this.provider, state, since: this.options.now() };
    return error;
  }

  private authError(kind: 'failed' | 'revoked', code: string, cause?: unknown): ProviderError {
    return new ProviderError({
      provider: this.provider,
      endpoint: this.options.endpoint.endpoint,
      status: null,
      code: ProviderErrorCode.UNAVAILABLE,
      // A revoked grant stays revoked until someone authorizes the app again.
      retryable: kind === 'failed',
      providerCode: kind === 'revoked' ? 'OAUTH_GRANT_REFUSED' : 'OAUTH_REFRESH_FAILED',
      details: { reason: 'auth', oauthError: code },
      ...(cause === undefined ? {} : { cause }),
    });
  }

  // ---- the shared store: sealed tokens; a store that fails is a miss, never an outage --------------

  private async readShared(): Promise<AccessToken | null> {
    const sealed = await this.options.store.get(this.keys.access).catch((error: unknown) => {
      this.options.onWarning?.(`${this.provider} token store unreachable`, error);
      return null;
    });
    if (sealed === null) return null;
    const text = this.options.sealer.open(this.keys.access, sealed);
    if (text === null) {
      this.options.onWarning?.(
        `${this.provider} shared access token does not open with OAUTH_TOKEN_KEYS`,
        null,
      );
      return null;
    }
    try {
      const parsed = JSON.parse(text) as AccessToken;
      return typeof parsed.value === 'string' &&
        typeof parsed.expiresAt === 'number' &&
        typeof parsed.refreshAt === 'number'
        ? parsed
        : null;
    } catch {
      return null;
    }
  }

  private async writeShared(token: AccessToken): Promise<void> {
    const ttl = Math.max(1, token.expiresAt - this.options.now());
    const sealed = this.options.sealer.seal(this.keys.access, JSON.stringify(token));
    await this.options.store.set(this.keys.access, sealed, ttl).catch((error: unknown) => {
      this.options.onWarning?.(`${this.provider} access token not shared (store unreachable)`, error);
    });
  }

  private async readRefreshToken(): Promise<string | null> {
    const sealed = await this.options.store.get(this.keys.refresh).catch(() => null);
    return sealed === null ? null : this.options.sealer.open(this.keys.refresh, sealed);
  }

  private async writeRefreshToken(refreshToken: string): Promise<void> {
    const sealed = this.options.sealer.seal(this.keys.refresh, refreshToken);
    await this.options.store.set(this.keys.refresh, sealed, null).catch((error: unknown) => {
      // Kept in this process; other replicas still hold the old one, which the provider may now refuse.
      this.options.onWarning?.(
        `${this.provider} rotated refresh token not stored (store unreachable)`,
        error,
      );
    });
  }

  private async readFailure(): Promise<FailureNote | null> {
    const text = await this.options.store.get(this.keys.failed).catch(() => null);
    if (text === null) return null;
    try {
      const note = JSON.parse(text) as FailureNote;
      return note.until > this.options.now() && (note.kind === 'failed' || note.kind === 'revoked')
        ? note
        : null;
    } catch {
      return null;
    }
  }

  private async writeFailure(note: FailureNote): Promise<void> {
    const ttl = Math.max(1, note.until - this.options.now());
    await this.options.store.set(this.keys.failed, JSON.stringify(note), ttl).catch(() => undefined);
  }
}
