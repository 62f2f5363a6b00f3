import { describe, expect, it } from '@jest/globals';
import { connectionFromList, connectionFromPage, lazyScope } from '../connection.js';
import { CursorCodec, type CursorPayload } from '../cursor.js';

/** A real codec that counts what it encrypts. */
class CountingCodec extends CursorCodec {
  encoded = 0;
  override encode(payload: CursorPayload): string {
    this.encoded += 1;
    return super.encode(payload);
  }
}

const scope = { kind: 'Test.items', scope: 'all' };
const forward = (size: number, cursor: string | null = null) => ({
  direction: 'forward' as const,
  size,
  cursor,
});

describe('connections', () => {
  it('encrypts no cursor that nobody reads, and each one read only once', () => {
    const codec = new CountingCodec('a-test-secret-of-some-length');
    const items = ['a', 'b', 'c', 'd'];
    const connection = connectionFromList(items, (x) => x, forward(3), codec, scope);
    expect(connection.edges.map((e) => e.node)).toEqual(['a', 'b', 'c']);
    expect(connection.pageInfo.hasNextPage).toBe(true);
    expect(codec.encoded).toBe(0);
    const end = connection.pageInfo.endCursor;
    expect(end).toBe(connection.edges[2]?.cursor);
    expect(codec.encoded).toBe(1);
    const next = connectionFromList(items, (x) => x, forward(3, end), codec, scope);
    expect(next.edges.map((e) => e.node)).toEqual(['d']);
  });

  it('pages a list that is only the beginning of a longer one', () => {
    const codec = new CursorCodec('a-test-secret-of-some-length');
    const connection = connectionFromList(['a', 'b'], (x) => x, forward(2), codec, scope, 9);
    expect(connection.totalCount).toBe(9);
    expect(connection.pageInfo.hasNextPage).toBe(true);
    const whole = connectionFromList(['a', 'b'], (x) => x, forward(2), codec, scope);
    expect(whole.pageInfo.hasNextPage).toBe(false);
  });

  it('makes provider-page cursors lazily too', () => {
    const codec = new CountingCodec('a-test-secret-of-some-length');
    const page = {
      items: [1, 2],
      cursors: ['p1', 'p2'],
      nextCursor: 'p2',
      previousCursor: null,
      totalCount: null,
    };
    const connection = connectionFromPage(page, forward(2), codec, scope);
    expect(connection.pageInfo.hasNextPage).toBe(true);
    expect(codec.encoded).toBe(0);
    expect(codec.decode(connection.edges[1]?.cursor ?? '', scope, 'after')).toBe('p2');
  });

  it('makes a lazy scope only when a cursor is made or checked, and it scopes cursors like a plain one', () => {
    const codec = new CursorCodec('a-test-secret-of-some-length');
    let made = 0;
    const lazy = lazyScope('Test.items', () => {
      made += 1;
      return 'all';
    });
    const items = ['a', 'b', 'c'];
    const connection = connectionFromList(items, (x) => x, forward(2), codec, lazy);
    expect(connection.pageInfo.hasNextPage).toBe(true);
    expect(made).toBe(0);
    const end = connection.pageInfo.endCursor;
    expect(made).toBe(1);
    // The same list under a plain scope accepts the cursor; another list refuses it.
    expect(
      connectionFromList(items, (x) => x, forward(2, end), codec, scope).edges.map((e) => e.node),
    ).toEqual(['c']);
    const other = lazyScope('Test.items', () => 'some');
    expect(() => connectionFromList(items, (x) => x, forward(2, end), codec, other)).toThrow(
      /different list/,
    );
  });
});
