import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { verifyStripeSignature } from '../webhooks.js';

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
