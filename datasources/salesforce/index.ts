import type { ProviderDescriptor } from '../provider-descriptor.js';
import { salesforceChanges } from './changes.js';
import { SALESFORCE_LIMITS } from './client.js';
import { createSalesforceCrm } from './create.js';
import { PROVIDER_NAME } from './mapping.js';
import { salesforceQuota } from './quota.js';
import {
  DEFAULT_WRITE_KEY_FIELD,
  SALESFORCE_SETTINGS,
  salesforceSettings,
  type SalesforceSettings,
} from './settings.js';
import { IN_LIST_IDS } from './soql.js';

export { SalesforceChangePoller, salesforceChanges } from './changes.js';
export { TOKEN_PATH, createSalesforceCrm, salesforceSession, salesforceTokens } from './create.js';
export { SalesforceCrm } from './crm.js';
export {
  DEFAULT_WRITE_KEY_FIELD,
  SALESFORCE_SETTINGS,
  salesforceSettings,
  type SalesforceSettings,
} from './settings.js';
export { fixedToken, type SessionTokens } from './session.js';

/** Salesforce as Concord's CRM: contacts, accounts and opportunities over the REST API, OAuth 2.0 refresh. */
export const salesforce: ProviderDescriptor<'CRM', SalesforceSettings> = {
  name: PROVIDER_NAME,
  title: 'Salesforce',
  domain: 'CRM',
  settings: SALESFORCE_SETTINGS,
  create: createSalesforceCrm,
  limits: {
    batchRead: SALESFORCE_LIMITS.retrieveIds,
    // Parent ids per relationship query (an `IN` list that keeps the query URI short).
    associations: IN_LIST_IDS,
  },
  // Keyset pages go forward only; a list asked for its total counts it with a COUNT() query beside the page.
  capabilities: { backwardPaging: false, batchRead: true, totals: true },
  // No per-second limit, but 25 concurrent long-running requests per org (FACTS §4).
  transport: { concurrency: 8, queue: 200 },
  quota: salesforceQuota,
  oauth: true,
  changes: salesforceChanges,
  twin: {
    name: 'salesforce',
    // The twin serves the login host and the instance from one address, and decides the credentials
    // and the write-key field (its org has the default one; `off` is kept, for plain creates); the
    // rest (poll interval, query batch size, currency) is as the environment sets it.
    settings: (twin, values) =>
      salesforceSettings({
        ...values,
        SALESFORCE_LOGIN_URL: twin.url,
        SALESFORCE_INSTANCE_URL: twin.url,
        SALESFORCE_CLIENT_ID: String(twin.credentials.clientId ?? ''),
        SALESFORCE_CLIENT_SECRET: String(twin.credentials.clientSecret ?? ''),
        SALESFORCE_REFRESH_TOKEN: String(twin.credentials.refreshToken ?? ''),
        SALESFORCE_WRITE_KEY_FIELD:
          values.SALESFORCE_WRITE_KEY_FIELD === 'off' ? 'off' : DEFAULT_WRITE_KEY_FIELD,
      }),
  },
};
