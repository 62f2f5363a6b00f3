import type { Closable, PolledChanges, TwinEndpoint } from '../../datasources/provider-descriptor.js';
import type { UpstreamCall } from '../../datasources/transport/http-client.js';
import type { OAuthDeps } from '../../datasources/transport/oauth/deps.js';
import type { PolicyEvents, ProviderPolicies } from '../../datasources/transport/policy.js';
import type { QuotaStore } from '../../datasources/transport/rate-limiter.js';
import type { RunningSandbox } from '../../sandbox/index.js';
import type { Config, ProviderMode } from '../config.js';
import type { LoaderProviders } from '../loaders/create-loaders.js';
import { createProviderPolicies } from './policies.js';
import { DOMAIN_KEYS, chosenProviders, type ChosenProviders } from './registry.js';

/** A chosen provider that reports changes by being polled (no webhooks), ready for a ChangePollRunner. */
export interface PolledProvider {
  provider: string;
  intervalMs: number;
  source: { poll(watermark: string | null): Promise<PolledChanges> };
}

export interface ConnectedProviders {
  providers: LoaderProviders;
  /** Chosen providers whose changes are polled (Salesforce). */
  polled: PolledProvider[];
  /** The descriptor behind each domain: its name, limits and capabilities. */
  descriptors: ChosenProviders;
  mode: ProviderMode;
  /** The in-process sandbox in sandbox mode, for its URLs, keys, knobs and counters. */
  sandbox: RunningSandbox | null;
  /** The credential each provider is called with: only ever hashed (cache keys), never logged. */
  credentials: Record<keyof LoaderProviders, string>;
  /** Retries, deadline, circuit breaker and bulkhead per provider, and their state. */
  policies: ProviderPolicies;
  close(): Promise<void>;
}

/** Each chosen provider's settings, by domain (live ones from config, or pointing at the sandbox's twins). */
type DomainSettings = Record<keyof LoaderProviders, unknown>;

function adapters(
  chosen: ChosenProviders,
  settings: DomainSettings,
  timeoutMs: number,
  onCall: (call: UpstreamCall) => void,
  policies: ProviderPolicies,
  oauth: OAuthDeps | undefined,
  clock: (() => number) | undefined,
) {
  const made: Closable[] = [];
  const make = <P extends Closable>(create: () => P): P => {
    const port = create();
    made.push(port);
    return port;
  };
  const deps = (name: string) => ({
    timeoutMs,
    onCall,
    policy: policies.policy(name),
    ...(oauth ? { oauth } : {}),
    ...(clock ? { clock } : {}),
  });
  const providers: LoaderProviders = {
    crm: make(() => chosen.crm.create(settings.crm, deps(chosen.crm.name))),
    payments: make(() => chosen.payments.create(settings.payments, deps(chosen.payments.name))),
    analytics: make(() => chosen.analytics.create(settings.analytics, deps(chosen.analytics.name))),
  };
  const polled: PolledProvider[] = [];
  for (const key of DOMAIN_KEYS) {
    const { changes, name } = chosen[key];
    if (changes?.kind !== 'poll') continue;
    const source = make(() => changes.create(settings[key], deps(name)));
    polled.push({ provider: name, intervalMs: source.intervalMs ?? changes.intervalMs, source });
  }
  return {
    providers,
    polled,
    close: async () => {
      await Promise.all(made.map((port) => port.close()));
    },
  };
}

/**
 * The chosen providers: the real ones when config has their credentials, else the sandbox,
 * started in this process, with the same adapters pointed at its twins (so sandbox mode exercises
 * the real adapter code, over real HTTP).
 */
export async function connectProviders(
  config: Config,
  onCall: (call: UpstreamCall) => void,
  env: NodeJS.ProcessEnv = process.env,
  policyEvents?: PolicyEvents,
  quotaStore?: QuotaStore,
  /** OAuth token state shared by replicas, for providers that refresh tokens. */
  oauth?: OAuthDeps,
  /** The time the sandbox and the providers' change pollers read (tests move it); default Date.now. */
  clock?: () => number,
): Promise<ConnectedProviders> {
  const chosen = chosenProviders(config.providers);
  const names = DOMAIN_KEYS.map((key) => chosen[key].name);
  const credentialsOf = (settings: DomainSettings): Record<keyof LoaderProviders, string> => ({
    crm: chosen.crm.settings.credentialOf(settings.crm),
    payments: chosen.payments.settings.credentialOf(settings.payments),
    analytics: chosen.analytics.settings.credentialOf(settings.analytics),
  });
  // Quotas are counted per provider × credential, so the policies are made once the credentials are known.
  const policiesFor = (credentials: Record<keyof LoaderProviders, string>) =>
    createProviderPolicies(
      config.resilience,
      names,
      policyEvents,
      quotaStore && {
        settings: config.providerQuotas,
        store: quotaStore,
        credentials: Object.fromEntries(DOMAIN_KEYS.map((key) => [chosen[key].name, credentials[key]])),
      },
    );
  if (config.live) {
    const live = config.live;
    const settings = Object.fromEntries(
      DOMAIN_KEYS.map((key) => [key, live[chosen[key].name]]),
    ) as DomainSettings;
    const credentials = credentialsOf(settings);
    const policies = policiesFor(credentials);
    const made = adapters(chosen, settings, config.providerTimeoutMs, onCall, policies, oauth, clock);
    return { ...made, descriptors: chosen, mode: 'live', sandbox: null, credentials, policies };
  }
  // Imported only here: live mode loads no simulator code and no seeded data generator.
  const [{ readSandboxConfig }, { startSandbox }] = await Promise.all([
    import('../../sandbox/config.js'),
    import('../../sandbox/index.js'),
  ]);
  const sandbox = await startSandbox({ ...readSandboxConfig(env, 0), ...(clock ? { clock } : {}) });
  const twinOf = (name: string): TwinEndpoint => {
    const twin = (sandbox.twins as Record<string, TwinEndpoint | undefined>)[name];
    if (!twin) throw new Error(`the sandbox has no twin named ${name}`);
    return twin;
  };
  const settings = Object.fromEntries(
    DOMAIN_KEYS.map((key) => [
      key,
      chosen[key].twin.settings(twinOf(chosen[key].twin.name), config.providerValues),
    ]),
  ) as DomainSettings;
  const sandboxCredentials = credentialsOf(settings);
  const policies = policiesFor(sandboxCredentials);
  const made = adapters(chosen, settings, config.providerTimeoutMs, onCall, policies, oauth, clock);
  return {
    providers: made.providers,
    polled: made.polled,
    descriptors: chosen,
    mode: 'sandbox',
    sandbox,
    credentials: sandboxCredentials,
    policies,
    close: async () => {
      await made.close();
      await sandbox.stop();
    },
  };
}
