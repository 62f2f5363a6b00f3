import { describe, expect, it } from '@jest/globals';
import { ownTurn } from '../decode-turns.js';

describe('ownTurn', () => {
  it('lets one caller go per turn of the event loop, in the order they asked', async () => {
    const log: string[] = [];
    // One mark per turn: each immediate schedules the next, so it runs on the following turn.
    let turns = 0;
    const tick = () => {
      log.push(`turn ${++turns}`);
      if (turns < 4) setImmediate(tick);
    };
    setImmediate(tick);
    await Promise.all(
      ['a', 'b', 'c'].map(async (name) => {
        await ownTurn();
        log.push(name);
      }),
    );
    // Asked together, they still went one per turn: a turn's I/O runs between two of them.
    expect(log).toEqual(['turn 1', 'a', 'turn 2', 'b', 'turn 3', 'c']);
    await new Promise((resolve) => setImmediate(resolve));
  });
});
