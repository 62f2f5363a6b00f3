import { ConfigError, readSandboxConfig } from './config.js';
import { ListenError } from './http/serve.js';
import { accountLimits } from './hubspot/account.js';
import { startSandbox } from './index.js';

/** Ports `npm run sandbox` uses unless SANDBOX_<PROVIDER>_PORT says otherwise: hubspot, stripe, posthog in turn. */
export const DEFAULT_FIRST_PORT = 4010;

async function main(): Promise<void> {
  const config = readSandboxConfig(process.env, DEFAULT_FIRST_PORT);
  const started = Date.now();
  const sandbox = await startSandbox(config);
  const { dataset, urls, credentials } = sandbox;
  const lines = [
    `Concord sandbox: seed ${config.seed}, ${config.sizeName} size, data up to ${new Date(config.anchor).toISOString()}, ready in ${Date.now() - started} ms`,
    `  ${dataset.contacts.length} contacts, ${dataset.companies.length} companies, ${dataset.deals.length} deals, ` +
      `${dataset.customers.length} customers, ${dataset.charges.length} charges, ${dataset.events.count} events`,
    '',
    `  HubSpot  ${urls.hubspot}   Authorization: Bearer ${credentials.hubspotAccessToken}`,
    `  Stripe   ${urls.stripe}   Authorization: Bearer ${credentials.stripeSecretKey}`,
    `  PostHog  ${urls.posthog}   Authorization: Bearer ${credentials.posthogApiKey}   project ${credentials.posthogProjectId}`,
    `  Salesforce ${urls.salesforce}   POST /services/oauth2/token grant_type=refresh_token client_id=${config.salesforce.clientId} client_secret=${config.salesforce.clientSecret} refresh_token=${config.salesforce.refreshToken}`,
    '',
    `  Stripe and PostHog link to ${config.crm === 'salesforce' ? 'Salesforce' : 'HubSpot'} contact ids (CRM_PROVIDER=${config.crm}).`,
    '  Each serves /openapi.json; knobs and counters under /__sandbox/knobs and /__sandbox/counters.',
    `  Rate limits: ${config.knobs.stripe.documentedLimits ? "each provider's documented limits (SANDBOX_DOCUMENTED_LIMITS=false turns them off)" : 'off (SANDBOX_DOCUMENTED_LIMITS=false)'}`,
    `  HubSpot account: ${config.hubspot.tier}${config.hubspot.apiLimitIncrease ? ' with the API limit increase' : ''}, ` +
      `${accountLimits(config.hubspot).perTenSeconds} per 10 s, ${accountLimits(config.hubspot).daily.toLocaleString('en-US')} a day from midnight ${config.hubspot.timeZone} ` +
      '(SANDBOX_HUBSPOT_TIER, SANDBOX_HUBSPOT_API_LIMIT_INCREASE, SANDBOX_HUBSPOT_TIME_ZONE)',
    `  Webhooks: Stripe ${sandbox.webhooks.stripeEnabled ? 'on' : 'off'}, HubSpot ${sandbox.webhooks.hubspotEnabled ? 'on' : 'off'}` +
      (config.webhooks.url ? ` → ${config.webhooks.url}` : ' (set SANDBOX_WEBHOOK_URL and the secrets)'),
    '  These are development keys for fake data on loopback, not secrets. Ctrl-C stops.',
  ];
  console.log(lines.join('\n'));
  const stop = async (): Promise<void> => {
    await sandbox.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof ListenError ? error.message : error);
  process.exit(1);
});
