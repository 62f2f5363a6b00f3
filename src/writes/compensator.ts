import { randomUUID } from 'node:crypto';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { Logger } from 'pino';
import { WriteRejectedError, type CrmWriter, type PaymentsWriter } from '../../datasources/model.js';
import { newRequestScope, runInRequestScope } from '../../datasources/transport/request-scope.js';
import {
  failureAnswer,
  runUndoStep,
  unansweredCreate,
  type Compensation,
  type UndoStep,
} from './compensation.js';
import type { UndoState } from './errors.js';
import type { Leases } from './leases.js';
import type { MutationLedger, PendingCompensation, PendingProgress } from './ledger.js';
import { rollForward, writeKey, type RollForward } from './resume.js';
import type { CompensationSettings } from './settings.js';

/** Shutdown waits this long at most for undos under way; one cut short stays owed and is swept elsewhere. */
const STOP_WAIT_MS = 5_000;
const SWEEPER_LEASE = 'compensation-sweeper';
const runLease = (key: string) => `compensation:${key}`;

export interface CompensatorOptions {
  ledger: MutationLedger;
  leases: Leases;
  /** `name`: the CRM a stopped run's answer names when its contact was never made. */
  crm: CrmWriter & { readonly name: string };
  /** For finishing a run that stopped part-way (resume.ts). */
  payments: PaymentsWriter;
  settings: CompensationSettings;
  logger: Logger;
  /** This replica's name on leases; random per process unless a test names it. */
  owner?: string;
  /** The longest one provider attempt may take (PROVIDER_TIMEOUT_MS): a lost create lands within it. */
  attemptTimeoutMs?: number;
}

function describe(step: UndoStep): string {
  return step.kind === 'delete-contact'
    ? `delete CRM contact ${step.contactId}`
    : `restore the changed fields of CRM contact ${step.contactId}`;
}

/** No further attempt: the undo's own deadline passed, or the process is stopping. */
class CutShortError extends Error {
  constructor() {
    super('the undo ran out of time, or the process is stopping');
    this.name = 'CutShortError';
  }
}

/**
 * Runs the undos of mutations that failed part-way, past the client request's deadline: each in a
 * request scope of its own (COMPENSATION_DEADLINE_MS), retried with backoff, recorded in the
 * mutation ledger until it is done. A sweeper on every replica finishes undos left owed, by a run
 * that gave up or a replica that died; a lease lets one replica sweep at a time, and a lease per
 * undo keeps two replicas from running the same one (each undo is safe to repeat all the same).
 */
export class Compensator {
  private readonly owner: string;
  private readonly running = new Set<Promise<unknown>>();
  /** Runs of this replica that recorded progress: the renewal of each one's lease. */
  private readonly holds = new Map<string, NodeJS.Timeout>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(private readonly options: CompensatorOptions) {
    this.owner = options.owner ?? randomUUID();
  }

  /**
   * Records the undo as owed and starts it; answers its state once it ends, or `pending` after
   * COMPENSATION_WAIT_MS (it goes on in the background). Never throws: an undo the ledger could not
   * record still runs here, it just cannot be resumed by another replica.
   */
  async begin(key: string, inputHash: string, compensation: Compensation): Promise<UndoState> {
    const { ledger, leases, settings, logger } = this.options;
    let leased = false;
    let recorded = false;
    try {
      // The lease before the record: no sweeper may pick up an undo its own request is running.
      // A run that recorded progress holds it already, and hands it on to its undo.
      leased = this.unhold(key) || (await leases.acquire(runLease(key), this.owner, settings.leaseMs));
      await ledger.beginCompensation(key, inputHash, compensation);
      recorded = true;
    } catch (error) {
      logger.error(
        { err: error, requestId: compensation.requestId },
        `could not record an undo in the mutation ledger; running it in this process only: ${describe(compensation.step)}`,
      );
    }
    const run = this.track(this.run({ key, inputHash, compensation }, { leased, recorded }));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'pending'>((resolve) => {
      timer = setTimeout(() => resolve('pending'), settings.waitMs);
    });
    try {
      return await Promise.race([run, waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Takes the lease of a run about to record progress, and renews it while the run goes on, so no
   * sweeper finishes a run that is alive; once this process dies, the lease lapses and a sweeper
   * on any replica finishes the run. False when another holder has it (a sweeper finishing an
   * earlier run of the same key, or another run in this process): then this run must not write.
   */
  async hold(key: string): Promise<boolean> {
    const { leases, settings } = this.options;
    if (this.holds.has(key)) return false;
    if (!(await leases.acquire(runLease(key), this.owner, settings.leaseMs))) return false;
    const renewal = setInterval(() => {
      leases.renew(runLease(key), this.owner, settings.leaseMs).catch(() => undefined);
    }, settings.leaseMs / 3);
    renewal.unref();
    this.holds.set(key, renewal);
    return true;
  }

  /** The run has ended (recorded, released, or left for a sweeper): its lease goes. */
  async letGo(key: string): Promise<void> {
    if (!this.unhold(key)) return;
    await this.options.leases.release(runLease(key), this.owner).catch(() => undefined);
  }

  private unhold(key: string): boolean {
    const renewal = this.holds.get(key);
    if (!renewal) return false;
    clearInterval(renewal);
    this.holds.delete(key);
    return true;
  }

  /** Sweeps every COMPENSATION_SWEEP_MS until stop(). */
  start(): void {
    if (this.stopping.signal.aborted || this.timer) return;
    const schedule = () => {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.sweeping = this.sweep()
          .catch((error: unknown) => this.options.logger.warn({ err: error }, 'compensation sweep failed'))
          .finally(() => {
            this.sweeping = null;
            if (!this.stopping.signal.aborted) schedule();
          });
      }, this.options.settings.sweepIntervalMs);
      this.timer.unref();
    };
    schedule();
  }

  /** One sweep: when this replica holds (or takes) the sweeper lease, runs every undo still owed that nobody runs. */
  async sweep(): Promise<void> {
    const { ledger, leases, settings, logger } = this.options;
    const hold = () =>
      leases
        .renew(SWEEPER_LEASE, this.owner, settings.leaseMs)
        .then((renewed) => renewed || leases.acquire(SWEEPER_LEASE, this.owner, settings.leaseMs));
    if (!(await hold())) return;
    // Renewed while working, also during a long undo; lost means another replica sweeps now.
    const renewal = setInterval(() => {
      leases.renew(SWEEPER_LEASE, this.owner, settings.leaseMs).catch(() => undefined);
    }, settings.leaseMs / 3);
    renewal.unref();
    try {
      const { pending, unfinished, expired } = await ledger.pendingCompensations();
      for (const key of expired) {
        logger.error({ key }, 'gave up an undo: its ledger record lapsed before it could be finished');
      }
      for (const run of unfinished) {
        if (this.stopping.signal.aborted) return;
        if (!(await hold())) return;
        if (!(await leases.acquire(runLease(run.key), this.owner, settings.leaseMs))) continue;
        await this.track(this.finish(run));
      }
      for (const owed of pending) {
        if (this.stopping.signal.aborted) return;
        if (!(await hold())) return;
        if (!(await leases.acquire(runLease(owed.key), this.owner, settings.leaseMs))) continue;
        await this.track(this.run(owed, { leased: true, recorded: true }));
      }
    } finally {
      clearInterval(renewal);
    }
  }

  /** Stops sweeping and starting retries; waits a little for undos under way (the rest stay owed). */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const renewal of this.holds.values()) clearInterval(renewal);
    this.holds.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_WAIT_MS);
    });
    await Promise.race([Promise.allSettled([...this.running, this.sweeping]), bound]);
    clearTimeout(timer);
  }

  /**
   * A client's retry finishes a stopped run whose lease it took (hold()): by the same steps and keys
   * as a sweep, except that a contact never made is made now (a fresh attempt, under the run's key).
   * Ends with the run's lease let go.
   */
  async takeOver(run: PendingProgress): Promise<UndoState | 'done'> {
    this.unhold(run.key);
    return this.track(this.finish(run, true));
  }

  /**
   * A run that recorded progress and stopped part-way (its lease lapsed): rolled forward by its
   * own steps and keys, or, when a later step fails, rolled back as its request would have done.
   * Holds the run's lease (taken by the sweep) and lets it go at the end.
   */
  private async finish(
    { key, inputHash, progress }: PendingProgress,
    fresh = false,
  ): Promise<UndoState | 'done'> {
    const { ledger, leases, crm, payments, settings, logger } = this.options;
    const { requestId, what, keyBase } = progress;
    let undoing = false;
    const renewal = setInterval(() => {
      leases.renew(runLease(key), this.owner, settings.leaseMs).catch(() => undefined);
    }, settings.leaseMs / 3);
    renewal.unref();
    try {
      const deadline = Date.now() + settings.deadlineMs;
      let ended: RollForward;
      try {
        ended = await runInRequestScope(newRequestScope(requestId, deadline), () =>
          rollForward({ crm, payments }, progress, { fresh }),
        );
      } catch (error) {
        logger.warn(
          { err: error, requestId, key },
          `could not finish a run that stopped part-way yet (${what}); a sweep retries it`,
        );
        return 'pending';
      }
      if (ended.kind === 'done') {
        await ledger.complete(key, inputHash, ended.record);
        logger.info({ requestId, key }, 'finished a run that stopped part-way');
        return 'done';
      }
      if (ended.kind === 'refused') {
        // Nothing was made: the refusal is the answer, as it would have been to the request.
        await ledger.finishCompensation(key, inputHash, {
          what,
          failure: failureAnswer(ended.failure),
          undone: true,
        });
        return 'undone';
      }
      const stopped = progress.stoppedAt ?? progress.startedAt ?? 0;
      // Whichever is longer: a lapsed lease (the runner is gone) or an attempt still in flight.
      const landingMs = Math.max(settings.leaseMs, this.options.attemptTimeoutMs ?? 0);
      if (ended.kind === 'nothing-made' && Date.now() - stopped < landingMs) {
        // A write whose answer was lost may still land: asked again by a later sweep.
        return 'pending';
      }
      if (ended.kind === 'nothing-made') {
        // A final outcome, not a create made hours after its client was answered: nothing to undo.
        await ledger.finishCompensation(key, inputHash, {
          what,
          failure: unansweredCreate(crm.name),
          undone: true,
        });
        logger.info({ requestId, key }, 'settled a run that stopped before its first write was made');
        return 'undone';
      }
      const compensation: Compensation = {
        what,
        step: ended.undo,
        writeKey: writeKey(keyBase, `${ended.undo.kind}-undo`),
        failure: failureAnswer(ended.failure),
        requestId,
      };
      await ledger.beginCompensation(key, inputHash, compensation);
      undoing = true;
      clearInterval(renewal);
      // run() renews the lease it is handed and lets it go at the end.
      return await this.run({ key, inputHash, compensation }, { leased: true, recorded: true });
    } finally {
      clearInterval(renewal);
      if (!undoing) await leases.release(runLease(key), this.owner).catch(() => undefined);
    }
  }

  private track<T>(run: Promise<T>): Promise<T | 'pending'> {
    const safe = run.catch((error: unknown) => {
      this.options.logger.error({ err: error }, 'an undo failed unexpectedly');
      return 'pending' as const;
    });
    this.running.add(safe);
    void safe.finally(() => this.running.delete(safe));
    return safe;
  }

  private async run(
    { key, inputHash, compensation }: PendingCompensation,
    { leased, recorded }: { leased: boolean; recorded: boolean },
  ): Promise<UndoState> {
    const { ledger, leases, settings, logger } = this.options;
    const { requestId, step, what, failure } = compensation;
    const renewal = leased
      ? setInterval(() => {
          leases.renew(runLease(key), this.owner, settings.leaseMs).catch(() => undefined);
        }, settings.leaseMs / 3)
      : null;
    renewal?.unref();
    const finish = async (undone: boolean) => {
      if (!recorded) return;
      try {
        await ledger.finishCompensation(key, inputHash, { what, failure, undone });
      } catch (error) {
        // The undo is safe to repeat: the next sweep runs it again and records it then.
        logger.warn({ err: error, requestId }, `an undo ended but could not be recorded: ${describe(step)}`);
      }
    };
    try {
      try {
        await this.undo(compensation);
      } catch (error) {
        if (error instanceof WriteRejectedError) {
          logger.error(
            { err: error, requestId },
            `could not undo a half-made write, and will not retry: ${describe(step)} was refused (${error.reason})`,
          );
          await finish(false);
          return 'failed';
        }
        logger.error(
          { err: error, requestId },
          `could not undo a half-made write yet: ${describe(step)}; a sweep retries it`,
        );
        return 'pending';
      }
      await finish(true);
      return 'undone';
    } finally {
      if (renewal) clearInterval(renewal);
      if (leased) await leases.release(runLease(key), this.owner).catch(() => undefined);
    }
  }

  /** The undo write in a request scope of its own, so the client request's deadline does not cut it. */
  private undo({ requestId, step, writeKey }: Compensation): Promise<void> {
    const { crm, settings } = this.options;
    const policy = retry(
      handleWhen((error) => !(error instanceof WriteRejectedError)),
      {
        maxAttempts: settings.retries,
        backoff: new ExponentialBackoff({
          initialDelay: settings.retryBaseMs,
          maxDelay: settings.retryMaxMs,
        }),
      },
    );
    const deadline = Date.now() + settings.deadlineMs;
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(settings.deadlineMs)]);
    return runInRequestScope(newRequestScope(requestId, deadline), () =>
      policy.execute(async () => {
        if (signal.aborted) throw new CutShortError();
        await runUndoStep(crm, step, writeKey);
      }, signal),
    );
  }
}
