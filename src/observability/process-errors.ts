import type { Logger } from 'pino';

export interface ProcessErrorHooks {
  logger: Logger;
  /** Told about each unhandled rejection after it is logged (the metrics counter). */
  onUnhandledRejection?: () => void;
}

/**
 * An unhandled rejection is a bug of ours, logged loudly and counted, but it must not end the
 * process: Node's default (exit) turns one bad promise under a failing provider into every
 * replica down at once. The promise has already failed; nothing else is left half-done by it.
 *
 * Uncaught exceptions keep Node's default (exit): a throw out of a callback can leave any state
 * half-changed, so one is logged here (fatal) and the process still ends.
 * Returns a function that removes both listeners (tests).
 */
export function installProcessErrorHandlers({ logger, onUnhandledRejection }: ProcessErrorHooks): () => void {
  const onRejection = (reason: unknown): void => {
    logger.error({ err: reason }, 'BUG: unhandled promise rejection (process kept running)');
    onUnhandledRejection?.();
  };
  const onException = (error: Error, origin: string): void => {
    logger.fatal({ err: error, origin }, 'BUG: uncaught exception; exiting');
  };
  process.on('unhandledRejection', onRejection);
  // The monitor only observes: Node still prints the error and exits.
  process.on('uncaughtExceptionMonitor', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtExceptionMonitor', onException);
  };
}
