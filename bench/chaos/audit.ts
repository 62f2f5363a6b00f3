/**
 * What the providers hold after a scenario, against what the clients were told: writes made twice
 * (two refunds for one refundPayment, two contacts or two payment accounts for one createCustomer,
 * two analytics events for one trackEvent), writes left half-made (a CRM contact without its payment
 * account, or the reverse), and writes a client was told succeeded that are not there.
 * It asks the sandbox's own APIs, as a person checking the providers' dashboards would.
 */
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../sandbox/context.js';
import type { SandboxProcess } from './stack.js';
import type { WriteRecord } from './workload.js';

export interface WriteAudit {
  /** Logical writes the clients attempted, and how many they were told succeeded. */
  attempted: number;
  acknowledged: number;
  /** Writes found more than once at a provider. */
  duplicated: number;
  /** createCustomer with one side only (contact without payment account, or the reverse). */
  halfMade: number;
  /** Told it succeeded, yet not (fully) there. */
  lost: number;
  /** One line per problem found, for the report. */
  problems: string[];
}

const c = DEFAULT_SANDBOX_CREDENTIALS;

/** 429s the audit waits out before it gives up: the twins enforce the providers' documented limits. */
const AUDIT_RATE_LIMIT_TRIES = 60;

async function json<T>(url: string, init: RequestInit): Promise<T> {
  for (let tries = 1; ; tries++) {
    const res = await fetch(url, init);
    if (res.status === 429 && tries < AUDIT_RATE_LIMIT_TRIES) {
      await res.body?.cancel();
      const waitS = Number(res.headers.get('retry-after') ?? '1');
      await new Promise((r) => setTimeout(r, Math.min(10_000, Math.max(250, waitS * 1000))));
      continue;
    }
    if (!res.ok)
      throw new Error(`audit ${init.method ?? 'GET'} ${url}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}

/** The provider id inside one of Concord's global ids (`v1:Type:id`, base64url). */
export function providerId(globalId: string): string {
  return Buffer.from(globalId, 'base64url').toString('utf8').split(':').slice(2).join(':');
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

/**
 * Waits until no upstream call has landed for `quietMs` (compensations and retries have finished),
 * at most `maxMs`. Returns whether it went quiet.
 */
export async function settle(sandbox: SandboxProcess, quietMs = 1_500, maxMs = 20_000): Promise<boolean> {
  const until = performance.now() + maxMs;
  let last = -1;
  let quietSince = performance.now();
  while (performance.now() < until) {
    const t = (await sandbox.counters()).total;
    const now = t.hubspot + t.stripe + t.posthog;
    if (now !== last) {
      last = now;
      quietSince = performance.now();
    } else if (performance.now() - quietSince >= quietMs) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

export async function auditWrites(
  sandbox: Pick<SandboxProcess, 'urls'>,
  writes: readonly WriteRecord[],
): Promise<WriteAudit> {
  const audit: WriteAudit = {
    attempted: writes.length,
    acknowledged: writes.filter((w) => w.acknowledged).length,
    duplicated: 0,
    halfMade: 0,
    lost: 0,
    problems: [],
  };
  const stripe = { authorization: `Bearer ${c.stripeSecretKey}` };
  const hubspot = { authorization: `Bearer ${c.hubspotAccessToken}`, 'content-type': 'application/json' };

  await inBatches(
    writes.filter((w) => w.kind === 'refund'),
    8,
    async (w) => {
      const charge = providerId(w.chargeId);
      const refunds = await json<{ data: unknown[] }>(
        `${sandbox.urls.stripe}/v1/refunds?charge=${encodeURIComponent(charge)}&limit=100`,
        { headers: stripe },
      );
      const n = refunds.data.length;
      if (n > 1) {
        audit.duplicated += 1;
        audit.problems.push(`refundPayment ${w.cmid}: ${n} refunds of ${charge}`);
      }
      if (w.acknowledged && n === 0) {
        audit.lost += 1;
        audit.problems.push(`refundPayment ${w.cmid}: answered ok, no refund of ${charge}`);
      }
    },
  );

  await inBatches(
    writes.filter((w) => w.kind === 'createCustomer'),
    8,
    async (w) => {
      const [contacts, accounts] = await Promise.all([
        json<{ total: number }>(`${sandbox.urls.hubspot}/crm/v3/objects/contacts/search`, {
          method: 'POST',
          headers: hubspot,
          body: JSON.stringify({
            filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: w.email }] }],
            limit: 10,
          }),
        }),
        json<{ data: unknown[] }>(
          `${sandbox.urls.stripe}/v1/customers?email=${encodeURIComponent(w.email)}&limit=100`,
          { headers: stripe },
        ),
      ]);
      const inCrm = contacts.total;
      const inPayments = accounts.data.length;
      if (inCrm > 1 || inPayments > 1) {
        audit.duplicated += 1;
        audit.problems.push(`createCustomer ${w.cmid}: ${inCrm} contacts, ${inPayments} payment accounts`);
      }
      if (inCrm > 0 !== inPayments > 0) {
        audit.halfMade += 1;
        audit.problems.push(
          `createCustomer ${w.cmid}: half-made (${inCrm} contact, ${inPayments} payment account) after "${w.last}"`,
        );
      } else if (w.acknowledged && inCrm === 0) {
        audit.lost += 1;
        audit.problems.push(`createCustomer ${w.cmid}: answered ok, neither side exists`);
      }
    },
  );

  const events = writes.filter((w) => w.kind === 'trackEvent');
  for (const name of new Set(events.map((w) => w.eventName))) {
    const res = await json<{ results: Array<[string, number]> }>(
      `${sandbox.urls.posthog}/api/projects/${c.posthogProjectId}/query/`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${c.posthogApiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          query: {
            kind: 'HogQLQuery',
            query: `SELECT properties.cmid, count() FROM events WHERE event = '${name}' GROUP BY properties.cmid LIMIT 50000`,
          },
        }),
      },
    );
    const seen = new Map(res.results.map(([cmid, n]) => [cmid, Number(n)]));
    for (const w of events.filter((e) => e.eventName === name)) {
      const n = seen.get(w.cmid) ?? 0;
      if (n > 1) {
        audit.duplicated += 1;
        audit.problems.push(`trackEvent ${w.cmid}: ${n} events`);
      }
      if (w.acknowledged && n === 0) {
        audit.lost += 1;
        audit.problems.push(`trackEvent ${w.cmid}: answered ok, no event`);
      }
    }
  }
  return audit;
}
