import type { Reply } from '../http/route.js';
import { SalesforceError, sfError } from './errors.js';

/** How a write the twin carried out late turned out (what its client never saw). */
export interface LandedWrite {
  status: number;
  /** The record it made or changed; null when Salesforce refused it. */
  id: string | null;
  /** The refusal's error code, when it was refused. */
  errorCode: string | null;
}

interface Held {
  carryOut: () => Reply;
  timer: NodeJS.Timeout;
}

/**
 * Record writes whose answer is lost before they are carried out: the client is answered a 503 at
 * once and the write lands later, just before the next write reaches the org (racing the client's
 * repeat, as a slow request still queued upstream does) or after `afterMs`, whichever comes first.
 * `lostAnswerRate` models the other order (carried out, then the answer lost).
 */
export class LateWrites {
  private toHold = 0;
  private afterMs = 0;
  private readonly held: Held[] = [];
  private readonly outcomes: LandedWrite[] = [];

  /** The next `count` record writes (create or upsert) land late. */
  hold(count: number, afterMs: number): void {
    this.toHold = count;
    this.afterMs = afterMs;
  }

  /** Writes still waiting to land, and how each that landed turned out, oldest first. */
  state(): { pending: number; landed: LandedWrite[] } {
    return { pending: this.held.length, landed: [...this.outcomes] };
  }

  /** `carryOut` now (after any held write has landed), or, while holding, a 503 now and the write later. */
  run(carryOut: () => Reply): Reply {
    this.landAll();
    if (this.toHold === 0) return carryOut();
    this.toHold -= 1;
    const held: Held = {
      carryOut,
      timer: setTimeout(() => this.land(held), this.afterMs),
    };
    held.timer.unref();
    this.held.push(held);
    return sfError(503, 'SERVER_UNAVAILABLE', 'Server unavailable, please try again later.');
  }

  private landAll(): void {
    for (const held of [...this.held]) this.land(held);
  }

  private land(held: Held): void {
    const at = this.held.indexOf(held);
    if (at < 0) return;
    this.held.splice(at, 1);
    clearTimeout(held.timer);
    let reply: Reply;
    try {
      reply = held.carryOut();
    } catch (error) {
      if (!(error instanceof SalesforceError)) throw error;
      reply = error.reply();
    }
    const body = reply.body as { id?: unknown } | Array<{ errorCode?: unknown }> | undefined;
    const id = !Array.isArray(body) && typeof body?.id === 'string' ? body.id : null;
    const errorCode =
      Array.isArray(body) && typeof body[0]?.errorCode === 'string' ? body[0].errorCode : null;
    this.outcomes.push({ status: reply.status, id, errorCode });
  }
}
