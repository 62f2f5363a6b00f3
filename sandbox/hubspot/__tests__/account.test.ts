import { describe, expect, it } from '@jest/globals';
import { ConfigError, readSandboxConfig } from '../../config.js';
import { RollingWindows } from '../../http/limits.js';
import { accountDocumentedLimits, accountLimits, portalDay } from '../account.js';
import { hubspotRateLimits } from '../errors.js';

describe('HubSpot account tiers', () => {
  it('has each tier’s private-app limits, and the API limit increase on top', () => {
    const of = (tier: 'free' | 'starter' | 'professional' | 'enterprise', apiLimitIncrease = false) =>
      accountLimits({ tier, apiLimitIncrease, timeZone: 'UTC' });
    expect(of('free')).toEqual({ perTenSeconds: 100, daily: 250_000 });
    expect(of('starter')).toEqual({ perTenSeconds: 100, daily: 250_000 });
    expect(of('professional')).toEqual({ perTenSeconds: 190, daily: 650_000 });
    expect(of('enterprise')).toEqual({ perTenSeconds: 190, daily: 1_000_000 });
    expect(of('professional', true)).toEqual({ perTenSeconds: 250, daily: 1_650_000 });
    expect(of('starter', true)).toEqual({ perTenSeconds: 250, daily: 1_250_000 });
  });

  it('answers headers with the tier’s numbers', () => {
    const headers = hubspotRateLimits({ tier: 'starter', apiLimitIncrease: false, timeZone: 'UTC' }).headers(
      null,
    );
    expect(headers).toMatchObject({
      'X-HubSpot-RateLimit-Daily': '250000',
      'X-HubSpot-RateLimit-Max': '100',
      'X-HubSpot-RateLimit-Interval-Milliseconds': '10000',
    });
  });
});

describe("the portal's day", () => {
  it('runs from midnight to midnight in the portal’s time zone, 23 or 25 hours across DST', () => {
    const ny = 'America/New_York';
    // 2026-11-24 12:00 UTC is 07:00 in New York (EST, UTC-5).
    expect(portalDay(ny, Date.UTC(2026, 10, 24, 12))).toEqual({
      start: Date.UTC(2026, 10, 24, 5),
      end: Date.UTC(2026, 10, 25, 5),
    });
    // 03:00 UTC on the 25th is still the 24th in New York.
    expect(portalDay(ny, Date.UTC(2026, 10, 25, 3)).start).toBe(Date.UTC(2026, 10, 24, 5));
    // Spring forward (8 March 2026): a 23-hour day; fall back (1 November 2026): 25 hours.
    const spring = portalDay(ny, Date.UTC(2026, 2, 8, 12));
    expect(spring).toEqual({ start: Date.UTC(2026, 2, 8, 5), end: Date.UTC(2026, 2, 9, 4) });
    const fall = portalDay(ny, Date.UTC(2026, 10, 1, 12));
    expect(fall).toEqual({ start: Date.UTC(2026, 10, 1, 4), end: Date.UTC(2026, 10, 2, 5) });
    expect(portalDay('Asia/Kolkata', Date.UTC(2026, 10, 24, 20))).toEqual({
      start: Date.UTC(2026, 10, 24, 18, 30),
      end: Date.UTC(2026, 10, 25, 18, 30),
    });
    expect(portalDay('UTC', Date.UTC(2026, 10, 24, 12))).toEqual({
      start: Date.UTC(2026, 10, 24),
      end: Date.UTC(2026, 10, 25),
    });
  });

  it('resets the daily count at the portal’s midnight, not UTC’s', () => {
    const { daily, tenSecondly } = accountDocumentedLimits({
      tier: 'free',
      apiLimitIncrease: false,
      timeZone: 'America/Los_Angeles',
    });
    const small = { ...daily, limit: 2 };
    const windows = new RollingWindows();
    const take = (now: number) => windows.take('hubspot', 'pat', [tenSecondly, small], now);
    // 22:00 and 23:00 UTC on the 24th: 14:00 and 15:00 in Los Angeles (PST, UTC-8).
    expect(take(Date.UTC(2026, 10, 24, 22)).over).toBeNull();
    expect(take(Date.UTC(2026, 10, 24, 23)).over).toBeNull();
    // UTC midnight passes; in Los Angeles it is still the 24th.
    const refused = take(Date.UTC(2026, 10, 25, 1));
    expect(refused.over?.limit.name).toBe('DAILY');
    expect(refused.over?.state.resetInMs).toBe(Date.UTC(2026, 10, 25, 8) - Date.UTC(2026, 10, 25, 1));
    expect(take(Date.UTC(2026, 10, 25, 8)).over).toBeNull();
  });
});

describe('HubSpot account settings from the environment', () => {
  it('reads tier, add-on and time zone, defaulting to Enterprise, none, UTC', () => {
    expect(readSandboxConfig({}).hubspot).toEqual({
      tier: 'enterprise',
      apiLimitIncrease: false,
      timeZone: 'UTC',
    });
    expect(
      readSandboxConfig({
        SANDBOX_HUBSPOT_TIER: 'professional',
        SANDBOX_HUBSPOT_API_LIMIT_INCREASE: 'true',
        SANDBOX_HUBSPOT_TIME_ZONE: 'Europe/Berlin',
      }).hubspot,
    ).toEqual({ tier: 'professional', apiLimitIncrease: true, timeZone: 'Europe/Berlin' });
  });

  it('refuses bad values, one line each', () => {
    let error: unknown;
    try {
      readSandboxConfig({
        SANDBOX_HUBSPOT_TIER: 'platinum',
        SANDBOX_HUBSPOT_API_LIMIT_INCREASE: 'yes',
        SANDBOX_HUBSPOT_TIME_ZONE: 'Mars/Olympus',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('SANDBOX_HUBSPOT_TIER="platinum"'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('SANDBOX_HUBSPOT_API_LIMIT_INCREASE="yes"'))).toBeDefined();
    expect(problems).toContain(
      'SANDBOX_HUBSPOT_TIME_ZONE="Mars/Olympus": expected an IANA time zone such as America/New_York',
    );
  });
});
