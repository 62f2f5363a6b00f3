import { describe, expect, it } from '@jest/globals';
import { FairQueue } from '../fair-queue.js';

function drain<T>(queue: FairQueue<T>): T[] {
  const out: T[] = [];
  while (queue.size > 0) out.push(queue.shift() as T);
  return out;
}

describe('FairQueue', () => {
  it('serves lanes in turn, each lane in its own order', () => {
    const queue = new FairQueue<string>();
    for (const item of ['a1', 'a2', 'a3', 'a4']) queue.push('a', item);
    queue.push('b', 'b1');
    queue.push('c', 'c1');
    queue.push('b', 'b2');
    expect(drain(queue)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4']);
  });

  it('puts a newcomer behind one call of each waiting lane, not behind a whole burst', () => {
    const queue = new FairQueue<string>();
    for (let i = 1; i <= 100; i += 1) queue.push('burst', `x${i}`);
    expect(queue.shift()).toBe('x1');
    queue.push('reader', 'r1');
    expect(queue.shift()).toBe('x2');
    expect(queue.shift()).toBe('r1');
    expect(queue.sizeOf('burst')).toBe(98);
    expect(queue.activeLanes).toBe(1);
  });

  it('counts what is served before a newcomer: its own lane, and one per round from the others', () => {
    const queue = new FairQueue<string>();
    for (let i = 0; i < 5; i += 1) queue.push('burst', `x${i}`);
    queue.push('other', 'o1');
    expect(queue.servedBefore('reader')).toBe(0);
    queue.push('reader', 'r1');
    queue.push('reader', 'r2');
    // r3 goes in round 2: two of the reader's, two of the burst's, and the other lane's only one.
    expect(queue.servedBefore('reader')).toBe(5);
    expect(queue.servedBefore('burst')).toBe(5 + 2 + 1);
  });

  it('peek shows what shift takes', () => {
    const queue = new FairQueue<number>();
    expect(queue.peek()).toBeUndefined();
    queue.push('a', 1);
    queue.push('b', 2);
    expect(queue.peek()).toBe(1);
    expect(queue.shift()).toBe(1);
    expect(queue.peek()).toBe(2);
  });

  it('removes a caller that gave up, and drops those a predicate picks', () => {
    const queue = new FairQueue<number>();
    [1, 2, 3].forEach((n) => queue.push('a', n));
    queue.push('b', 10);
    expect(queue.remove('a', 2)).toBe(true);
    expect(queue.remove('a', 2)).toBe(false);
    expect(queue.remove('b', 10)).toBe(true);
    expect(queue.activeLanes).toBe(1);
    queue.push('b', 11);
    expect(queue.drop((n) => n > 2).sort((x, y) => x - y)).toEqual([3, 11]);
    expect(drain(queue)).toEqual([1]);
  });
});
