import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '../../errors.js';
import { CursorCodec } from '../cursor.js';
import { readPageArgs } from '../page-args.js';

const codec = new CursorCodec('a-test-secret-of-some-length');
const payments = { kind: 'Customer.payments', scope: 'contact:1' };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('CursorCodec', () => {
  it('round-trips the provider position and hides it from clients', () => {
    const cursor = codec.encode({ ...payments, position: 'ch_123' });
    expect(cursor).not.toContain('ch_123');
    expect(codec.decode(cursor, payments, 'after')).toBe('ch_123');
  });

  it('refuses forged, tampered, foreign and garbage cursors as BAD_USER_INPUT', () => {
    const cursor = codec.encode({ ...payments, position: 'ch_123' });
    const [body, mac] = cursor.split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ v: 1, k: payments.kind, s: payments.scope, p: 'ch_999' }),
    ).toString('base64url');
    const other = new CursorCodec('another-secret-of-some-length');
    const cases = [
      `${forged}.${mac}`,
      `${body}.${mac.slice(0, -2)}AA`,
      other.encode({ ...payments, position: 'ch_123' }),
      'not-a-cursor',
      '',
      '....',
      `${body}`,
    ];
    for (const bad of cases)
      expect(codeOf(() => codec.decode(bad, payments, 'after'))).toBe(ErrorCode.BAD_USER_INPUT);
    expect(codeOf(() => codec.decode(cursor, { ...payments, scope: 'contact:2' }, 'after'))).toBe(
      ErrorCode.BAD_USER_INPUT,
    );
    expect(codeOf(() => codec.decode(cursor, { ...payments, kind: 'Query.customers' }, 'after'))).toBe(
      ErrorCode.BAD_USER_INPUT,
    );
  });
});

describe('readPageArgs', () => {
  const limits = { defaultSize: 20, maxSize: 100 };

  it('defaults to the first page forwards', () => {
    expect(readPageArgs({}, limits, false)).toEqual({ direction: 'forward', size: 20, cursor: null });
    expect(readPageArgs({ first: 5, after: 'c' }, limits, false)).toEqual({
      direction: 'forward',
      size: 5,
      cursor: 'c',
    });
    expect(readPageArgs({ last: 5, before: 'c' }, limits, true)).toEqual({
      direction: 'backward',
      size: 5,
      cursor: 'c',
    });
  });

  it('refuses sizes out of range and mixed directions', () => {
    expect(codeOf(() => readPageArgs({ first: -1 }, limits, true))).toBe(ErrorCode.BAD_USER_INPUT);
    expect(codeOf(() => readPageArgs({ first: 0 }, limits, true))).toBe(ErrorCode.BAD_USER_INPUT);
    expect(codeOf(() => readPageArgs({ first: 100_000 }, limits, true))).toBe(ErrorCode.BAD_USER_INPUT);
    expect(codeOf(() => readPageArgs({ first: 1, last: 1 }, limits, true))).toBe(ErrorCode.BAD_USER_INPUT);
  });

  it('says clearly when a list cannot be paged backwards', () => {
    expect(codeOf(() => readPageArgs({ last: 5 }, limits, false))).toBe(ErrorCode.UNSUPPORTED_PAGINATION);
  });
});
