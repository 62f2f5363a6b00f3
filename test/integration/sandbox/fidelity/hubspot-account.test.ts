import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../../../sandbox/index.js';

/** Limits are counted by this clock: 2026-11-24 12:00 UTC, 07:00 in New York. */
let now = Date.UTC(2026, 10, 24, 12);
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: 7,
    anchor: Date.UTC(2026, 10, 24),
    clock: () => now,
    knobs: { hubspot: { documentedLimits: true } },
    hubspot: { tier: 'starter', apiLimitIncrease: false, timeZone: 'America/New_York' },
  });
});

afterAll(async () => {
  await sandbox.stop();
});

const get = () =>
  fetch(`${sandbox.urls.hubspot}/crm/v3/objects/contacts?limit=1`, {
    headers: { authorization: `Bearer ${sandbox.credentials.hubspotAccessToken}` },
  });
const header = (res: Response, name: string) => res.headers.get(`x-hubspot-ratelimit-${name}`);

describe('a Starter portal in New York', () => {
  it("answers with Starter's limits: 100 per 10 s, then TEN_SECONDLY_ROLLING; 250,000 a day", async () => {
    const first = await get();
    expect(first.status).toBe(200);
    expect(header(first, 'max')).toBe('100');
    expect(header(first, 'daily')).toBe('250000');
    expect(header(first, 'daily-remaining')).toBe('249999');
    for (let i = 1; i < 100; i += 1) expect((await get()).status).toBe(200);
    const over = await get();
    expect(over.status).toBe(429);
    expect(await over.json()).toMatchObject({ policyName: 'TEN_SECONDLY_ROLLING' });
  });

  it("starts a new day at midnight in New York, not at UTC's", async () => {
    now = Date.UTC(2026, 10, 25, 1); // 20:00 on the 24th in New York
    const beforeMidnight = await get();
    expect(beforeMidnight.status).toBe(200);
    // The 100 calls above, and this one, are still the portal's day.
    expect(header(beforeMidnight, 'daily-remaining')).toBe(String(250_000 - 101));
    now = Date.UTC(2026, 10, 25, 5); // midnight in New York
    expect(header(await get(), 'daily-remaining')).toBe('249999');
  });
});
