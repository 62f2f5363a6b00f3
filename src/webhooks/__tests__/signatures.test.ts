import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { verifyHubSpotSignature } from '../hubspot-signature.js';
import { verifyStripeSignature } from '../stripe-signature.js';

const body = Buffer.from('{"id":"evt_1"}');
const v1 = (secret: string, t: number) =>
  createHmac('sha256', secret).update(`${t}.${body.toString()}`).digest('hex');

describe('verifyStripeSignature', () => {
  it('accepts a matching v1 within the tolerance, from any configured secret', () => {
    expect(
      verifyStripeSignature(`t=1000,v1=${v1('whsec_a', 1000)}`, body, ['whsec_b', 'whsec_a'], 1200),
    ).toEqual({ ok: true });
  });

  it('refuses old timestamps, v0-only headers, garbage and mismatches', () => {
    expect(verifyStripeSignature(`t=1000,v1=${v1('whsec_a', 1000)}`, body, ['whsec_a'], 1301).ok).toBe(false);
    expect(verifyStripeSignature(`t=1000,v0=${v1('whsec_a', 1000)}`, body, ['whsec_a'], 1000).ok).toBe(false);
    expect(verifyStripeSignature('nonsense', body, ['whsec_a'], 1000).ok).toBe(false);
    expect(verifyStripeSignature(undefined, body, ['whsec_a'], 1000).ok).toBe(false);
    expect(verifyStripeSignature(`t=1000,v1=${v1('whsec_x', 1000)}`, body, ['whsec_a'], 1000).ok).toBe(false);
  });
});

describe('verifyHubSpotSignature', () => {
  const sign = (secret: string, ts: string) =>
    createHmac('sha256', secret)
      .update(`POSThttps://x.example/webhooks/hubspot${body.toString()}${ts}`)
      .digest('base64');
  const input = (signature: string, timestamp: string) => ({
    method: 'POST',
    uri: 'https://x.example/webhooks/hubspot',
    rawBody: body,
    signature,
    timestamp,
  });

  it('accepts a matching v3 signature inside five minutes', () => {
    expect(
      verifyHubSpotSignature(
        input(sign('s3cr3t-value', '1000000'), '1000000'),
        ['s3cr3t-value'],
        1_000_000 + 299_000,
      ),
    ).toEqual({
      ok: true,
    });
  });

  it('refuses an old request, another secret, and a different URI', () => {
    expect(
      verifyHubSpotSignature(
        input(sign('s3cr3t-value', '1000000'), '1000000'),
        ['s3cr3t-value'],
        1_000_000 + 301_000,
      ).ok,
    ).toBe(false);
    expect(
      verifyHubSpotSignature(input(sign('other-secret', '1000000'), '1000000'), ['s3cr3t-value'], 1_000_000)
        .ok,
    ).toBe(false);
    expect(
      verifyHubSpotSignature(
        { ...input(sign('s3cr3t-value', '1000000'), '1000000'), uri: 'https://y.example/webhooks/hubspot' },
        ['s3cr3t-value'],
        1_000_000,
      ).ok,
    ).toBe(false);
  });
});
