import type { z } from 'zod';
import type { ModelChanges } from './changes.js';
import type { AnalyticsProvider, CrmProvider, Domain, PaymentsProvider } from './model.js';
import type { Env } from './settings.js';
import type { OAuthDeps } from './transport/oauth/deps.js';
import type { RequestPolicy, UpstreamCall } from './transport/http-client.js';
import type { QuotaClass, QuotaHintReader, QuotaWindow } from './transport/provider-quota.js';
import type { QuotaLimit } from './transport/rate-limiter.js';

/**
 * A provider is a module: its folder's `index.ts` exports one descriptor saying everything the
 * rest of Concord needs to know about it. `src/providers/` lists descriptors and is the only place
 * that names a provider; config, loaders, transport policies, quotas, webhooks and the sandbox
 * wiring all read these fields instead.
 */
export interface ProviderDescriptor<D extends Domain = Domain, S = unknown> {
  /** Lower-case id: transport policy, metrics label, `ProviderError.provider`, env prefix (`HUBSPOT_…`). */
  name: string;
  /** How people write it, for start-up lines and messages ("HubSpot"). */
  title: string;
  /** The port it implements. */
  domain: D;
  settings: ProviderSettings<S>;
  /** The adapter, with its own connection pool; `close()` releases it. */
  create(settings: S, deps: ProviderDeps): PortOf<D>;
  /** The provider's batch sizes; each loader splits its keys at these. */
  limits: BatchLimits[D];
  capabilities: ProviderCapabilities;
  /** Bulkhead defaults (`<NAME>_CONCURRENCY`, `<NAME>_QUEUE` override them). */
  transport: { concurrency: number; queue: number };
  /** Its documented rate limits, shared by every replica; absent: not limited by Concord. */
  quota?: QuotaSpec<S>;
  /**
   * Refreshes OAuth access tokens, shared sealed between replicas (`ProviderDeps.oauth`): live with
   * a shared Redis it needs `OAUTH_TOKEN_KEYS`, the same on every replica.
   */
  oauth?: boolean;
  /** Whether these live settings refresh OAuth tokens, when it depends on them (HubSpot: an OAuth app does, a private app not). */
  usesOAuth?(settings: S): boolean;
  /** How Concord hears of changes made outside it: signed webhooks, or polling; null: it does not. */
  changes: ChangeSource<S> | null;
  /** Its twin in `sandbox/` (listed by the sandbox's own registry) and how to point the adapter at it. */
  twin: TwinRef<S>;
}

/**
 * A descriptor of any domain, as registries hold them. Settings are `unknown` here: each
 * descriptor's methods (declared as methods, so checked bivariantly) only ever get back what its
 * own `settings.live` or `twin.settings` made.
 */
export type AnyProviderDescriptor =
  ProviderDescriptor<'CRM'> | ProviderDescriptor<'PAYMENTS'> | ProviderDescriptor<'ANALYTICS'>;

/** Every adapter can be closed (its keep-alive pool, timers). */
export interface Closable {
  close(): Promise<void>;
}

export interface PortsByDomain {
  CRM: CrmProvider;
  PAYMENTS: PaymentsProvider;
  ANALYTICS: AnalyticsProvider;
}
export type PortOf<D extends Domain> = PortsByDomain[D] & Closable;

/** What `src/` hands every adapter it creates. */
export interface ProviderDeps {
  /** Per-attempt upstream timeout. */
  timeoutMs: number;
  /** Told about every upstream call (metrics, upstream budget). */
  onCall: (call: UpstreamCall) => void;
  /** Retries, deadline, circuit breaker, bulkhead and quota around every request. */
  policy: RequestPolicy;
  /**
   * Stores `src/` implements over Redis and injects here (e.g. an OAuth token store, a change-poll
   * watermark and lease) are added as optional fields, typed by ports declared in `datasources/`.
   */
  /** OAuth 2.0 token state shared by replicas (sealed), for providers that refresh access tokens. */
  oauth?: OAuthDeps;
  /** The time change windows are read up to (epoch ms); tests move it. Default Date.now. */
  clock?: () => number;
}

// ---- settings ----------------------------------------------------------------------------------

/**
 * A provider's own settings, read from its own environment prefix and validated in its folder.
 * `src/config.ts` only composes them: it validates every variable of every registered provider
 * (one line per bad value), and asks for live settings when the provider's credentials are set.
 */
export interface ProviderSettings<S> {
  /**
   * The variables that, all set, make this provider live; none set means its sandbox twin. Some
   * but not all is refused at start-up, naming each missing one.
   */
  credentials: readonly string[];
  /**
   * Other complete sets that make it live instead of `credentials`, one set at a time (HubSpot: an
   * OAuth app's client id, secret and refresh token instead of a private-app token).
   */
  alternativeCredentials?: ReadonlyArray<readonly string[]>;
  /** Every variable it reads, each an optional zod schema; validated one by one. */
  variables: Readonly<Record<string, z.ZodType>>;
  /** Live settings from the validated values (called only with every credential set and no problem). */
  live(values: Readonly<Record<string, unknown>>, env: Env): S;
  /** The account it talks to, as one string: hashed into cache and quota keys, never logged. */
  credentialOf(settings: S): string;
}

// ---- limits and capabilities -------------------------------------------------------------------

export interface BatchLimits {
  CRM: {
    /** Records per batch read (HubSpot 100; Salesforce sObject Collections 2,000). */
    batchRead: number;
    /** Parent ids per association or relationship lookup (contact→deals, deal→parties). */
    associations: number;
  };
  PAYMENTS: {
    /** Ids per one-by-one retrieve round (no batch retrieve): one event-loop tick's worth. */
    retrieve: number;
    /** OR clauses per search (Stripe: 10). */
    searchClauses: number;
    /** Contacts per account lookup round (split into searches inside the adapter). */
    accountLookup: number;
  };
  ANALYTICS: {
    /** Ids per query (an `IN` list). */
    ids: number;
  };
}

/** What the provider can do, so resolvers ask about abilities, never about names. */
export interface ProviderCapabilities {
  /** Lists page backwards (`last`/`before`). A list it cannot page backwards still refuses clearly. */
  backwardPaging: boolean;
  /** Reads many records by id in one call. */
  batchRead: boolean;
  /** Lists can say how many items match in all (`totalCount`), at least for some filters. */
  totals: boolean;
}

// ---- quotas ------------------------------------------------------------------------------------

/** Which windows each of the provider's endpoints takes from. */
export interface QuotaPlan {
  windows: QuotaWindow[];
  classes: QuotaClass[];
  readHint?: QuotaHintReader;
}

export interface QuotaSpec<S> {
  /** Its quota variables (`HUBSPOT_QUOTA`, …) with their documented defaults, per credential. */
  defaults: Readonly<Record<string, readonly QuotaLimit[]>>;
  /** Defaults that depend on the live settings (Stripe: a live key has a higher limit). */
  liveDefaults?(settings: S): Readonly<Record<string, readonly QuotaLimit[]>>;
  /** The windows and classes from the limits in force, keyed by the variables above. */
  plan(limits: Readonly<Record<string, readonly QuotaLimit[]>>): QuotaPlan;
}

// ---- changes -----------------------------------------------------------------------------------

export type SignatureVerdict = { ok: true } | { ok: false; reason: string };

/** A webhook request as the provider sent it, before anything trusts it. */
export interface SignedRequest {
  method: string;
  /** The full URL the provider called (behind a proxy: the public one). */
  url: string;
  rawBody: Buffer;
  header(name: string): string | undefined;
}

/** A verified, readable delivery: its event ids (replays are ignored by id) and what changed. */
export interface WebhookDelivery {
  eventIds: string[];
  changes: ModelChanges;
  /** A few safe fields for the log line (event type, count); never personal data. */
  log: Record<string, string | number>;
}

/** Signed webhooks, received at `POST /webhooks/<name>`. */
export interface WebhookSource {
  kind: 'webhook';
  /** The variable holding its signing secrets (several, comma-separated, during a rotation). */
  secretsVariable: string;
  /** Validates that variable (optional) into the list of secrets. */
  secretsSchema: z.ZodType<string[] | undefined>;
  /** A secret of the right shape, for the sandbox's own webhooks to this process. */
  newSecret(): string;
  verify(request: SignedRequest, secrets: readonly string[], nowMs: number): SignatureVerdict;
  /** The changes a verified body names; null when it is not this provider's event shape (refused). */
  read(rawBody: Buffer): WebhookDelivery | null;
  /** How the 400 for an unreadable body names what was expected ("a Stripe event"). */
  expected: string;
}

/** A window of changes read by polling, and where the next poll starts. */
export interface PolledChanges {
  changes: ModelChanges;
  /** Opaque to `src/`: stored (shared by replicas) and handed back to the next poll. */
  watermark: string;
}

/** For providers without webhooks: changed and deleted records read on an interval, by one replica at a time. */
export interface PollSource<S> {
  kind: 'poll';
  /** Default interval between polls (ms); `<NAME>_POLL_INTERVAL_MS` may override it. */
  intervalMs: number;
  /** A poller over the adapter's own client; `watermark` null means "start from now". */
  create(
    settings: S,
    deps: ProviderDeps,
  ): Closable & {
    poll(watermark: string | null): Promise<PolledChanges>;
    /** The interval the provider's own settings ask for (e.g. `SALESFORCE_POLL_INTERVAL_MS`), else `intervalMs`. */
    intervalMs?: number;
  };
}

export type ChangeSource<S> = WebhookSource | PollSource<S>;

// ---- sandbox twin ------------------------------------------------------------------------------

/** A running twin as `src/` sees it: its URL and the development credentials it accepts. */
export interface TwinEndpoint {
  url: string;
  credentials: Readonly<Record<string, string | number>>;
}

export interface TwinRef<S> {
  /** The twin's name in the sandbox registry (`sandbox/twins.ts`). */
  name: string;
  /**
   * Settings that point this provider's adapter at the running twin; `values` are the provider's
   * own variables as read from the environment, for the settings the twin does not decide.
   */
  settings(twin: TwinEndpoint, values: Readonly<Record<string, unknown>>): S;
}
