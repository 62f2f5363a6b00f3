import { describe, expect, it } from '@jest/globals';
import { ClientSubscriptions } from '../ws-server.js';
import { Gate } from '../fan-out.js';

/** A promise and the function that settles it, so a test decides when each task ends. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Gate', () => {
  it('runs at most `slots` tasks at once, the rest in arrival order, and every one to its end', async () => {
    const gate = new Gate(2);
    const started: number[] = [];
    const ends = [0, 1, 2, 3, 4].map(() => deferred());
    const runs = ends.map((end, i) =>
      gate.run(async () => {
        started.push(i);
        await end.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(gate.queued).toBe(3);
    ends[1]?.resolve();
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    for (const end of ends) end.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(gate.queued).toBe(0);
  });

  it('frees the slot of a task that fails', async () => {
    const gate = new Gate(1);
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run(() => 'next')).resolves.toBe('next');
  });
});

describe('ClientSubscriptions', () => {
  it('gives each client `max` places and takes them back on release', () => {
    const places = new ClientSubscriptions(2);
    expect([places.take('a'), places.take('a'), places.take('a')]).toEqual([true, true, false]);
    expect(places.take('b')).toBe(true);
    places.release('a');
    expect(places.take('a')).toBe(true);
    expect(places.take('a')).toBe(false);
  });
});
