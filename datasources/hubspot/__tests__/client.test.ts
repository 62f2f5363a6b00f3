import { describe, expect, it } from '@jest/globals';
import { ProviderErrorCode } from '../../transport/errors.js';
import { chunk, linkedFromV3, uniqueBy } from '../client.js';
import { bucketIndex, bucketRanges } from '../crm.js';
import { classifyHubSpotError } from '../errors.js';
import { decodeItemCursor, encodeItemCursor, walk } from '../paging.js';

const error = (category: string) => ({
  status: 'error',
  message: 'm',
  correlationId: '00000000-0000-4000-8000-000000000000',
  category,
});

describe('classifyHubSpotError', () => {
  it('reads the category of the error body', () => {
    expect(classifyHubSpotError(404, error('OBJECT_NOT_FOUND'), {})).toEqual({
      code: ProviderErrorCode.NOT_FOUND,
      retryable: false,
      providerCode: 'OBJECT_NOT_FOUND',
    });
    expect(classifyHubSpotError(403, error('MISSING_SCOPES'), {}).code).toBe(ProviderErrorCode.UNAUTHORIZED);
    expect(classifyHubSpotError(401, error('INVALID_AUTHENTICATION'), {}).code).toBe(
      ProviderErrorCode.UNAUTHORIZED,
    );
    expect(classifyHubSpotError(400, error('VALIDATION_ERROR'), {}).code).toBe(ProviderErrorCode.REJECTED);
    // Unknown categories keep the status's own reading.
    expect(classifyHubSpotError(409, error('CONFLICT'), {})).toEqual({ providerCode: 'CONFLICT' });
    expect(classifyHubSpotError(502, '<html>', {})).toEqual({});
  });

  it('waits one rate window when HubSpot sends no Retry-After', () => {
    const headers = { 'x-hubspot-ratelimit-interval-milliseconds': '10000' };
    expect(
      classifyHubSpotError(429, { errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' }, headers),
    ).toEqual({
      code: ProviderErrorCode.RATE_LIMITED,
      retryable: true,
      retryAfterMs: 10_000,
      providerCode: 'RATE_LIMIT',
    });
    expect(classifyHubSpotError(400, error('RATE_LIMITS'), headers)).toMatchObject({
      code: ProviderErrorCode.RATE_LIMITED,
      retryable: true,
      providerCode: 'RATE_LIMITS',
    });
    // Retry-After, when sent, is the transport's to read.
    expect(classifyHubSpotError(429, {}, { ...headers, 'retry-after': '2' }).retryAfterMs).toBeUndefined();
  });

  it('does not retry the daily quota', () => {
    expect(classifyHubSpotError(429, { errorType: 'RATE_LIMIT', policyName: 'DAILY' }, {}).retryable).toBe(
      false,
    );
  });
});

describe('helpers', () => {
  it('chunks and deduplicates', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(uniqueBy(['a', 'A', 'b'], (s) => s.toLowerCase())).toEqual(['a', 'b']);
  });

  it('merges v3 association type names into one link per id', () => {
    expect(
      linkedFromV3([
        { id: '5', type: 'deal_to_company_unlabeled' },
        { id: '6', type: 'deal_to_company' },
        { id: '6', type: 'deal_to_company_unlabeled' },
      ]),
    ).toEqual([
      { id: '5', primary: false },
      { id: '6', primary: true },
    ]);
  });

  it('round-trips item cursors and refuses others', () => {
    expect(decodeItemCursor(encodeItemCursor({ after: 'abc', skip: 7 }))).toEqual({ after: 'abc', skip: 7 });
    expect(decodeItemCursor(encodeItemCursor({ after: null, skip: 0 }))).toEqual({ after: null, skip: 0 });
    expect(decodeItemCursor('a~b~3')).toEqual({ after: 'a~b', skip: 3 });
    for (const bad of ['', 'abc', 'abc~', 'abc~-1', 'abc~1.5', 'abc~99999999']) {
      expect(decodeItemCursor(bad)).toBeNull();
    }
  });

  it('finds buckets', () => {
    const starts = [10, 20, 30];
    expect([5, 10, 19, 20, 35].map((t) => bucketIndex(starts, t))).toEqual([-1, 0, 0, 1, 2]);
    expect(bucketRanges(15, 40, starts)).toEqual([
      { from: 15, to: 20 },
      { from: 20, to: 30 },
      { from: 30, to: 40 },
    ]);
  });
});

describe('walk', () => {
  /** A list of 0..n-1 in pages that start at multiples of nothing in particular: cursors are offsets. */
  function source(n: number) {
    const asked: Array<{ after: string | null; limit: number }> = [];
    const fetch = async (after: string | null, limit: number) => {
      asked.push({ after, limit });
      const start = after === null ? 0 : Number(after);
      const results = Array.from({ length: Math.max(0, Math.min(limit, n - start)) }, (_, i) => start + i);
      const end = start + results.length;
      return { results, next: end < n ? String(end) : null };
    };
    return { fetch, asked };
  }

  it('crosses page boundaries and gives every item a cursor that resumes after it', async () => {
    const { fetch, asked } = source(250);
    const first = await walk(fetch, 100, { after: null, skip: 0 }, 130);
    expect(first.items).toEqual(Array.from({ length: 130 }, (_, i) => i));
    expect(asked).toEqual([
      { after: null, limit: 100 },
      { after: '100', limit: 30 },
    ]);
    for (const i of [0, 57, 99, 100, 129]) {
      const cursor = decodeItemCursor(first.cursors[i] ?? '');
      if (!cursor) throw new Error('bad cursor');
      const next = await walk(fetch, 100, cursor, 1);
      expect(next.items).toEqual([i + 1]);
    }
    expect(first.hasMore).toBe(true);
  });

  it('asks nothing for a zero limit', async () => {
    const { fetch, asked } = source(20);
    expect((await walk(fetch, 100, { after: null, skip: 0 }, 0)).items).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('stops at the end', async () => {
    const { fetch } = source(20);
    const all = await walk(fetch, 100, { after: null, skip: 0 }, 20);
    expect(all.hasMore).toBe(false);
    const past = await walk(fetch, 100, { after: null, skip: 20 }, 5);
    expect(past.items).toEqual([]);
    expect(past.hasMore).toBe(false);
  });
});
