import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '../../errors/concord-error.js';
import { CURSOR_VERSION, CursorCodec } from '../cursor.js';
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
  const customers = { kind: 'Query.customers', scope: '{"email":"ada@example.com"}' };

  function messageOf(fn: () => unknown): string | undefined {
    try {
      fn();
    } catch (error) {
      return `${(error as { code?: string }).code}: ${(error as Error).message}`;
    }
    return undefined;
  }

  it('round-trips the provider position and hides it, and the filter, from clients', () => {
    const cursor = codec.encode({ ...payments, position: 'ch_123' });
    expect(codec.decode(cursor, payments, 'after')).toBe('ch_123');
    const filtered = codec.encode({ ...customers, position: '100042' });
    expect(codec.decode(filtered, customers, 'after')).toBe('100042');
    for (const c of [cursor, filtered]) {
      expect(c).toMatch(/^[\w-]+$/);
      const bytes = Buffer.from(c, 'base64url').toString('latin1');
      for (const secret of ['ch_123', '100042', 'ada@example.com', 'contact:1', 'Customer.payments']) {
        expect(bytes).not.toContain(secret);
        expect(c).not.toContain(secret);
      }
    }
    // The same position in the same list is the same cursor (equal answers stay equal); any other differs.
    expect(codec.encode({ ...payments, position: 'ch_123' })).toBe(cursor);
    const others = [
      codec.encode({ ...payments, position: 'ch_124' }),
      codec.encode({ ...payments, scope: 'contact:2', position: 'ch_123' }),
      new CursorCodec('another-secret-of-some-length').encode({ ...payments, position: 'ch_123' }),
    ];
    expect(new Set([cursor, ...others]).size).toBe(4);
    // Nonces differ with the plaintext: no two of these share one.
    expect(
      new Set([cursor, ...others].map((c) => Buffer.from(c, 'base64url').subarray(1, 13).toString('hex')))
        .size,
    ).toBe(4);
  });

  it('stays short: a fingerprint of the list goes in, not the list, so a long filter costs nothing', () => {
    const position = 'ch_3QxZp2Lk4fJ8aB1c0Yt9uVwR';
    const short = codec.encode({ kind: 'Query.customers', scope: '', position });
    const long = codec.encode({ kind: 'Query.customers', scope: 'x'.repeat(500), position });
    expect(long.length).toBe(short.length);
    // version 1 + nonce 12 + list 8 + position 27 + tag 16 = 64 bytes.
    expect(short.length).toBe(Math.ceil((64 * 4) / 3));
  });

  it('refuses forged, tampered, foreign and garbage cursors as BAD_USER_INPUT', () => {
    const cursor = codec.encode({ ...payments, position: 'ch_123' });
    const bytes = Buffer.from(cursor, 'base64url');
    const flipped = [...bytes.keys()].map((i) => {
      const copy = Buffer.from(bytes);
      copy[i] = (copy[i] ?? 0) ^ 0x01;
      return copy.toString('base64url');
    });
    const other = new CursorCodec('another-secret-of-some-length');
    const cases = [
      ...flipped,
      cursor.slice(0, -2),
      `${cursor}AA`,
      other.encode({ ...payments, position: 'ch_123' }),
      'not-a-cursor',
      '',
      '....',
      `${cursor}.`,
      `${cursor}=`,
    ];
    for (const bad of cases)
      expect(codeOf(() => codec.decode(bad, payments, 'after'))).toBe(ErrorCode.BAD_USER_INPUT);
    expect(messageOf(() => codec.decode(cursor, { ...payments, scope: 'contact:2' }, 'after'))).toBe(
      'BAD_USER_INPUT: Invalid cursor in `after`: it belongs to a different list.',
    );
    expect(codeOf(() => codec.decode(cursor, { ...payments, kind: 'Query.customers' }, 'after'))).toBe(
      ErrorCode.BAD_USER_INPUT,
    );
    expect(
      messageOf(() => codec.decode(other.encode({ ...payments, position: 'x' }), payments, 'before')),
    ).toBe('BAD_USER_INPUT: Invalid cursor in `before`: not a cursor issued by this API.');
  });

  it('refuses cursors of another version, the signed JSON of version 1 included', () => {
    const v1 = `${Buffer.from(JSON.stringify({ v: 1, k: payments.kind, s: payments.scope, p: 'ch_1' })).toString('base64url')}.AAAAAAAAAAAAAAAA`;
    const bytes = Buffer.from(codec.encode({ ...payments, position: 'ch_123' }), 'base64url');
    bytes[0] = CURSOR_VERSION + 1;
    for (const old of [v1, bytes.toString('base64url')]) {
      expect(messageOf(() => codec.decode(old, payments, 'after'))).toBe(
        'BAD_USER_INPUT: Invalid cursor in `after`: issued by another version of this API; start again from the first page.',
      );
    }
  });

  it('rotates: the first secret encrypts, every listed secret still decrypts', () => {
    const previous = new CursorCodec('the-previous-secret-0123');
    const rotated = new CursorCodec(['the-current-secret-01234', 'the-previous-secret-0123']);
    const held = previous.encode({ ...payments, position: 'ch_old' });
    expect(rotated.decode(held, payments, 'after')).toBe('ch_old');
    const fresh = rotated.encode({ ...payments, position: 'ch_new' });
    expect(new CursorCodec('the-current-secret-01234').decode(fresh, payments, 'after')).toBe('ch_new');
    // Once the previous secret is dropped, what it encrypted is refused.
    expect(codeOf(() => new CursorCodec('the-current-secret-01234').decode(held, payments, 'after'))).toBe(
      ErrorCode.BAD_USER_INPUT,
    );
    expect(codeOf(() => previous.decode(fresh, payments, 'after'))).toBe(ErrorCode.BAD_USER_INPUT);
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
