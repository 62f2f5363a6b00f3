import type { Logger } from 'pino';

/** Start-up waits this long at most for the first round, so a normal start is ready with it done. */
export const WRITE_SETUP_START_WAIT_MS = 2_000;
/** The first wait before asking again when a provider could not tell; it doubles up to the max. */
export const WRITE_SETUP_RETRY_MS = { first: 5_000, max: 60_000 } as const;

export interface WriteSetupCheck {
  provider: string;
  /** Null: ready for writes; a string: the problem, for /readyz; throws: could not tell yet. */
  run(): Promise<string | null>;
}

/**
 * Live mode: each provider's `prepareWrites` once at start (HubSpot makes its write-key property
 * if the portal lacks it). A problem it reports is one /readyz line until a restart; a check that
 * could not reach the provider is one line too, and is asked again with backoff until it can.
 * Start-up waits a little for the first round; nothing here blocks a request.
 */
export class WriteSetup {
  private readonly lines = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly checks: readonly WriteSetupCheck[],
    private readonly logger: Logger,
    private readonly retryMs: { first: number; max: number } = WRITE_SETUP_RETRY_MS,
  ) {}

  /** Starts each check; resolves when the first round has ended, or after `waitMs` (it goes on). */
  async start(waitMs = WRITE_SETUP_START_WAIT_MS): Promise<void> {
    for (const check of this.checks) this.attempt(check, this.retryMs.first);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.running]), bound]);
    clearTimeout(timer);
  }

  /** Lines for /readyz, one per provider not ready for writes. */
  problems(): string[] {
    return [...this.lines.values()];
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private attempt(check: WriteSetupCheck, nextWaitMs: number): void {
    const run = check
      .run()
      .then((problem) => {
        if (problem === null) this.lines.delete(check.provider);
        else {
          this.lines.set(check.provider, problem);
          this.logger.error(problem);
        }
      })
      .catch((error: unknown) => {
        const seconds = Math.round(nextWaitMs / 1000);
        const line = `${check.provider}: could not check its setup for writes yet (${String(error)}); asking again in ${seconds} s`;
        this.lines.set(check.provider, line);
        this.logger.warn({ err: error }, line);
        if (this.stopped) return;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.attempt(check, Math.min(nextWaitMs * 2, this.retryMs.max));
        }, nextWaitMs);
        timer.unref();
        this.timers.add(timer);
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }
}
