import type { Logger } from 'pino';

/**
 * How long in-flight requests may run once shutdown starts before their connections are cut.
 * Matches the request deadline, so a request that started before the signal can still finish.
 */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/**
 * How long the process keeps serving, with /readyz answering 503, before it stops listening: time
 * for a load balancer to notice and stop sending. 0 outside an orchestrator (Kubernetes sets it).
 */
export const DEFAULT_SHUTDOWN_DELAY_MS = 0;
/** Past the grace period, how long closing pools and Redis may take before the process gives up. */
export const DEFAULT_CLOSE_MARGIN_MS = 5_000;

export interface ShutdownConfig {
  /** Drain deadline for in-flight requests (SHUTDOWN_GRACE_MS). */
  graceMs: number;
  /** Unready-but-serving time before the listener closes (SHUTDOWN_DELAY_MS). */
  delayMs: number;
}

/** What shutdown needs from a running Concord (src/app.ts). */
export interface Drainable {
  gateway: { beginDrain(): void };
  /** Stops listening, drains in-flight requests (up to the grace), closes Redis, pools and sandbox. */
  stop(): Promise<void>;
}

export interface ShutdownOptions {
  logger: Logger;
  /** Injected so tests can observe the outcome without the process ending. */
  exit?: (code: number) => void;
  closeMarginMs?: number;
}

/**
 * One graceful shutdown: unready first, serve through the delay, then stop listening and drain.
 * Resolves to the exit code: 0 when everything closed, 1 when closing hung past grace + margin.
 */
export async function shutDown(
  concord: Drainable,
  config: ShutdownConfig,
  { logger, closeMarginMs = DEFAULT_CLOSE_MARGIN_MS }: ShutdownOptions,
): Promise<number> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    concord.gateway.beginDrain();
    if (config.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.delayMs));
    const backstop = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), config.graceMs + closeMarginMs);
    });
    // A stop() that rejects after the backstop won is still handled: race listens to both.
    const outcome = await Promise.race([concord.stop().then(() => 'stopped' as const), backstop]);
    if (outcome === 'hung') {
      logger.error({ ms: Date.now() - started }, 'shutdown: closing hung past the grace period');
      return 1;
    }
    logger.info({ ms: Date.now() - started }, 'shutdown: drained and closed');
    return 0;
  } catch (error) {
    logger.error({ err: error }, 'shutdown: closing failed');
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * SIGTERM (orchestrators) and SIGINT (Ctrl-C) start one graceful shutdown, then exit with its code.
 * A second signal while draining exits at once: the operator asked twice.
 */
export function exitGracefullyOnSignals(
  concord: Drainable,
  config: ShutdownConfig,
  { logger, exit = (code) => process.exit(code), closeMarginMs }: ShutdownOptions,
): void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      logger.warn({ signal }, 'shutdown: second signal, exiting without draining');
      exit(1);
      return;
    }
    shuttingDown = true;
    logger.info({ signal, ...config }, 'shutdown: draining in-flight requests');
    // shutDown resolves on every path (failures are exit code 1), so this chain never rejects.
    void shutDown(concord, config, {
      logger,
      ...(closeMarginMs === undefined ? {} : { closeMarginMs }),
    }).then(exit);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * A closed stdout (the reader went away: `| head -1`, a crashed log shipper) is no reason to stop
 * serving or to hang at exit: its EPIPE is dropped, and what would have been printed is lost.
 */
export function tolerateClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}
