import { setImmediate as nextTurn } from 'node:timers/promises';
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';

/** At most `slots` tasks at once; the rest wait their turn in arrival order. */
export class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly slots: number) {}

  /** Tasks waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T> | T): Promise<T> {
    if (this.active < this.slots) this.active += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * graphql-js's `subscribe`, with each event's execution run through `gate`: one provider change
 * heard by many subscribers is resolved a few subscribers at a time, each after a turn of the
 * event loop, so other requests are served between them. (graphql-js's own version executes every subscriber's
 * event as soon as it arrives.) A plain iterator, so `return()` ends a pending wait at once.
 */
export async function gatedSubscribe(
  gate: Gate,
  args: ExecutionArgs,
): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const source = stream[Symbol.asyncIterator]();
  const iterator: AsyncGenerator<ExecutionResult> = {
    async next() {
      const event = await source.next();
      if (event.done) return DONE;
      const value = await gate.run(async () => {
        // A turn of the event loop first: with the data cached, an execution is one long run of
        // microtasks, and the next subscriber's would follow it before any waiting request got in.
        await nextTurn();
        return execute({ ...args, rootValue: event.value });
      });
      return { done: false, value };
    },
    async return() {
      await source.return?.();
      return DONE;
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
    async [Symbol.asyncDispose]() {
      await source.return?.();
    },
  };
  return iterator;
}
