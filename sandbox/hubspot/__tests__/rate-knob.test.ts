import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../index.js';

/**
 * The rate-limit knob stands for HubSpot's ten-secondly window, which search sits outside (it has
 * its own secondly cap): a client that keeps its search calls apart, as HubSpot documents, must not
 * be refused for them.
 */
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: 7,
    anchor: Date.UTC(2026, 10, 24),
    knobs: { hubspot: { rateLimit: { limit: 2, windowMs: 60_000 } } },
  });
});

afterAll(async () => {
  await sandbox?.stop();
});

function call(path: string, init: { method: string; body?: unknown }): Promise<Response> {
  return fetch(`${sandbox.urls.hubspot}${path}`, {
    method: init.method,
    headers: {
      authorization: `Bearer ${sandbox.credentials.hubspotAccessToken}`,
      'content-type': 'application/json',
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

describe('the HubSpot rate-limit knob', () => {
  it('counts the ten-secondly calls, not search', async () => {
    const list = () => call('/crm/v3/objects/contacts?limit=1', { method: 'GET' });
    const search = () => call('/crm/v3/objects/contacts/search', { method: 'POST', body: { limit: 1 } });
    expect((await list()).status).toBe(200);
    expect((await search()).status).toBe(200);
    expect((await search()).status).toBe(200);
    expect((await list()).status).toBe(200);
    // The third call of the window that is not a search is over the knob's two.
    expect((await list()).status).toBe(429);
  });
});
