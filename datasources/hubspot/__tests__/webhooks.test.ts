import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { verifyHubSpotSignature } from '../webhooks.js';

const body = Buffer.from('{"id":"evt_1"}');

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
