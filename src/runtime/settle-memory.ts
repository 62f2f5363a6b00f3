/**
 * One memory-reducing collection once Concord has started, when V8's `gc` is exposed (the production
 * image's CMD passes --expose-gc). Start-up leaves parsed modules' garbage and a young generation
 * grown to its maximum; V8's own memory reducer does not run at idle, so without this the process
 * sits on it (issue 15: 128 → 103 MiB idle RSS in live mode). A "last-resort" collection is the one
 * V8 runs under memory pressure: it compacts, shrinks the young generation and returns freed pages
 * to the system. It blocks for tens of milliseconds, before the ready line, once.
 */
/** Runs the collection if `gc` is given; returns how long it took (ms), or null when it did not run. */
export function settleMemoryAfterStart(gc: NodeJS.GCFunction | undefined = globalThis.gc): number | null {
  if (!gc) return null;
  const started = performance.now();
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return performance.now() - started;
}
