/**
 * Answers at least this long are decoded on a turn of the event loop of their own: a Stripe page is
 * ~230 KB (~3 ms to decode and parse), a PostHog activity answer ~50 KB; most others are a few KB.
 */
export const LARGE_ANSWER_BYTES = 32 * 1024;

const waiting: Array<() => void> = [];
let scheduled = false;

function nextTurn(): void {
  const resolve = waiting.shift();
  // Scheduled before the waiter runs, from inside an immediate: it runs on the next turn, after that
  // turn's I/O (a quota or cache reply already back is read before the next large answer is decoded).
  if (waiting.length > 0) setImmediate(nextTurn);
  else scheduled = false;
  resolve?.();
}

/**
 * Resolves on a later turn of the event loop, one caller per turn, in the order asked. Large answers
 * that arrive together would otherwise be decoded back to back in one turn, and a reply they made
 * possible (the quota's room for the next page of a walk) would wait behind all of them: a cold
 * dashboard's second Stripe pages went out ~11 ms after their first pages were read (bench/cold-trace).
 */
export function ownTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (scheduled) return;
    scheduled = true;
    setImmediate(nextTurn);
  });
}
