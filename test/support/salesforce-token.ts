import type { RunningSandbox } from '../../sandbox/index.js';

/** An access token of the Salesforce twin's connected app, by its refresh-token grant. */
export async function salesforceAccessToken(org: RunningSandbox): Promise<string> {
  const { clientId, clientSecret, refreshToken } = org.salesforce.settings;
  const res = await fetch(`${org.urls.salesforce}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: clientId,
      client_secret: clientSecret,
      refresh_token: refreshToken,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
