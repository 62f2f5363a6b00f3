import { z } from 'zod';
import type { ChangeEvent, Invalidation, ModelChanges } from '../changes.js';
import type { PollSource, PolledChanges } from '../provider-descriptor.js';
import { SalesforceClient, type SObject } from './client.js';
import { salesforceSession, salesforceTokens } from './create.js';
import { parseSalesforceDatetime } from './mapping.js';
import { DEFAULT_POLL_INTERVAL_MS, type SalesforceSettings } from './settings.js';
import { ContactRoleRecord } from './wire.js';

/**
 * Change detection without webhooks (FACTS §7.1): Get Updated and Get Deleted per object on an
 * interval, each object's window starting where Salesforce said the last one was covered
 * (`latestDateCovered`, which holds back behind long-running transactions). Which replica polls,
 * and where the shared watermark lives, is `src/`'s business (a Redis lease); this reads one window.
 */

const POLLED: readonly SObject[] = ['Contact', 'Account', 'Opportunity', 'OpportunityContactRole'];
/** Get Updated reaches back 30 days and Get Deleted 15: an older watermark restarts at the deleted horizon. */
const HORIZON_MS = 15 * 86_400_000;
/** Windows have a one-minute grain (seconds are dropped): a shorter one would be refused or empty. */
const GRAIN_MS = 60_000;

const Watermark = z.object({
  v: z.literal(1),
  /** Per object, ISO datetimes where its next updated and deleted windows start. */
  updated: z.record(z.string(), z.string()),
  deleted: z.record(z.string(), z.string()),
});
type Watermark = z.infer<typeof Watermark>;

const KIND: Partial<Record<SObject, Invalidation['kind']>> = {
  Contact: 'contact',
  Account: 'company',
  Opportunity: 'deal',
};

function fresh(now: Date): Watermark {
  const at = now.toISOString();
  return {
    v: 1,
    updated: Object.fromEntries(POLLED.map((o) => [o, at])),
    deleted: Object.fromEntries(POLLED.map((o) => [o, at])),
  };
}

/** A stored watermark, or null when it is not one of ours (then polling starts from now). */
export function readWatermark(text: string | null): Watermark | null {
  if (text === null) return null;
  try {
    const parsed = Watermark.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export class SalesforceChangePoller {
  constructor(
    private readonly client: SalesforceClient,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Changes since `watermark` (opaque to callers) and the watermark to start from next time;
   * `null` starts from now and reports nothing. Records whose role changed invalidate their deal
   * and contact (a role names who is on a deal).
   */
  async poll(watermark: string | null): Promise<PolledChanges> {
    const now = new Date(this.now());
    const current = readWatermark(watermark);
    if (current === null)
      return { changes: { invalidations: [], events: [] }, watermark: JSON.stringify(fresh(now)) };
    const next: Watermark = structuredClone(current);
    const horizon = now.getTime() - HORIZON_MS;
    const changed = new Map<SObject, Set<string>>();
    const deleted = new Map<SObject, Set<string>>();

    await Promise.all(
      POLLED.flatMap((sobject) => [
        this.window(current.updated[sobject], now, horizon, async (start) => {
          const answer = await this.client.updated(sobject, start, now);
          changed.set(sobject, new Set(answer.ids));
          next.updated[sobject] = this.covered(answer.latestDateCovered, start);
        }),
        this.window(current.deleted[sobject], now, horizon, async (start) => {
          const answer = await this.client.deleted(sobject, start, now);
          deleted.set(sobject, new Set(answer.deletedRecords.map((r) => r.id)));
          next.deleted[sobject] = this.covered(answer.latestDateCovered, start);
        }),
      ]),
    );

    const invalidations: Invalidation[] = [];
    const events: ChangeEvent[] = [];
    const seen = new Set<string>();
    const add = (kind: Invalidation['kind'], id: string) => {
      if (kind === 'account' || kind === 'payments' || seen.has(`${kind}:${id}`)) return;
      seen.add(`${kind}:${id}`);
      invalidations.push({ kind, id } as Invalidation);
      if (kind === 'contact') events.push({ topic: 'customer', contactId: id });
    };
    for (const [sobject, kind] of Object.entries(KIND) as Array<[SObject, Invalidation['kind']]>) {
      for (const id of [...(changed.get(sobject) ?? []), ...(deleted.get(sobject) ?? [])]) add(kind, id);
    }
    const roleIds = [...(changed.get('OpportunityContactRole') ?? [])];
    if (roleIds.length > 0) {
      const roles = await this.client.retrieve(
        'OpportunityContactRole',
        roleIds,
        ['OpportunityId', 'ContactId'],
        ContactRoleRecord,
      );
      for (const role of roles) {
        if (!role) continue;
        add('deal', role.OpportunityId);
        if (role.ContactId) add('contact', role.ContactId);
      }
    }
    const changes: ModelChanges = { invalidations, events };
    return { changes, watermark: JSON.stringify(next) };
  }

  /** Runs `read` for the window from `from` to now, when it spans at least the one-minute grain. */
  private async window(
    from: string | undefined,
    now: Date,
    horizon: number,
    read: (start: Date) => Promise<void>,
  ): Promise<void> {
    const parsed = from === undefined ? null : Date.parse(from);
    const start = new Date(
      Math.max(horizon, parsed === null || Number.isNaN(parsed) ? now.getTime() : parsed),
    );
    if (now.getTime() - start.getTime() < GRAIN_MS) return;
    await read(start);
  }

  /** Where the next window starts: Salesforce's `latestDateCovered`, never before this window's start. */
  private covered(latest: string, start: Date): string {
    const at = parseSalesforceDatetime(latest)?.getTime();
    return new Date(at === undefined ? start.getTime() : Math.max(at, start.getTime())).toISOString();
  }
}

/** The descriptor's change source: a poller over its own session (the adapter's pools stay its own). */
export const salesforceChanges: PollSource<SalesforceSettings> = {
  kind: 'poll',
  intervalMs: DEFAULT_POLL_INTERVAL_MS,
  create: (settings, deps) => {
    const { tokens, close: closeTokens } = salesforceTokens(settings, deps);
    const session = salesforceSession(settings, tokens, deps);
    const poller = new SalesforceChangePoller(new SalesforceClient(session, settings.apiVersion), deps.clock);
    return {
      poll: (watermark) => poller.poll(watermark),
      intervalMs: settings.pollIntervalMs,
      close: async () => {
        await Promise.all([session.close(), closeTokens()]);
      },
    };
  },
};
