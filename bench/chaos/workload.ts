/**
 * The chaos workload: concurrent clients, each with its own token, on a mixed read/write load
 * (the README dashboard, one-customer queries, payments walks, and mutations with
 * clientMutationIds that a client retries with the same id, as a real one would). Bounded by time
 * and by count; every exchange is classified, every write remembered for the audit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../../sandbox/data/dataset.js';
import { toGlobalId } from '../../src/relay/global-ids.js';
import { PACKAGE_ROOT } from '../../src/runtime/package-root.js';
import { signTestToken } from '../../test/support/tokens.js';
import { classify, intactAgainst, type Answer, type Classified, type GraphQLBody } from './classify.js';

/** Concurrent clients. */
export const DEFAULT_CLIENTS = 10;
/** A client gives up on one request after this long (a hung gateway must not hang the run). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Attempts per mutation, all with the same clientMutationId. */
export const MUTATION_ATTEMPTS = 3;
/** Pages of one payments walk at most. */
export const WALK_PAGES = 3;
const DAY = 86_400_000;

const CUSTOMER = /* GraphQL */ `
  query Customer($id: ID!, $since: DateTime!, $until: DateTime!) {
    customer(id: $id) {
      id
      name
      email
      phone
      jobTitle
      createdAt
      company {
        name
        domain
      }
      deals(status: OPEN) {
        totalCount
        edges {
          node {
            name
            stage
            amount {
              amount
              currency
            }
          }
        }
      }
      payments(first: 5) {
        edges {
          node {
            id
            status
            createdAt
            amount {
              amount
              currency
            }
          }
        }
      }
      invoices(first: 5) {
        edges {
          node {
            number
            status
            amountDue {
              amount
              currency
            }
          }
        }
      }
      subscriptions {
        id
        status
        planName
      }
      lifetimeValue {
        amount
        currency
      }
      activity(since: $since, until: $until) {
        eventCount
        activeDays
        lastSeenAt
      }
    }
  }
`;
/** A document a frontend sends, as committed in client/operations/ (and in the trusted-documents manifest). */
const clientOperation = (name: string): string =>
  readFileSync(join(PACKAGE_ROOT, 'client', 'operations', `${name}.graphql`), 'utf8');
/** Counts the run's own createCustomer writes move on from the healthy answer. */
const RUN_COUNTS = [['customers', 'totalCount']] as const;

/** The README dashboard: a page of customers across all three providers. */
const DASHBOARD = clientOperation('dashboard');
/** One page of a customer's payments (`$customerId`, `$first`, `$after`). */
const PAYMENTS_PAGE = clientOperation('payments-page');
/** Payments per walk page. */
const WALK_PAGE_SIZE = 20;
const REFUND = /* GraphQL */ `
  mutation Refund($input: RefundPaymentInput!) {
    refundPayment(input: $input) {
      payment {
        id
        amountRefunded {
          amount
        }
      }
      userErrors {
        code
      }
    }
  }
`;
const CREATE_CUSTOMER = /* GraphQL */ `
  mutation CreateCustomer($input: CreateCustomerInput!) {
    createCustomer(input: $input) {
      customer {
        id
        email
      }
      userErrors {
        code
      }
    }
  }
`;
const TRACK_EVENT = /* GraphQL */ `
  mutation TrackEvent($input: TrackEventInput!) {
    trackEvent(input: $input) {
      eventId
      userErrors {
        code
      }
    }
  }
`;
const DEAL_STAGE = /* GraphQL */ `
  mutation DealStage($input: UpdateDealStageInput!) {
    updateDealStage(input: $input) {
      deal {
        id
        stage
      }
      userErrors {
        code
      }
    }
  }
`;

export type OpName =
  'dashboard' | 'customer' | 'walk' | 'refund' | 'createCustomer' | 'trackEvent' | 'dealStage';
export const WRITE_OPS: ReadonlySet<OpName> = new Set([
  'refund',
  'createCustomer',
  'trackEvent',
  'dealStage',
]);

/** How often each operation is picked (out of the sum). */
export const MIX: Readonly<Record<OpName, number>> = {
  dashboard: 12,
  customer: 30,
  walk: 16,
  refund: 12,
  createCustomer: 12,
  trackEvent: 11,
  dealStage: 7,
};

export interface RequestRecord {
  op: OpName;
  classified: Classified;
  ms: number;
  /** Against a healthy answer to the same request: null when there is none to compare with. */
  intact: boolean | null;
  differsAt?: string;
  /** performance.now() when it was sent. */
  sentAt: number;
}

interface WriteBase {
  cmid: string;
  /** The last attempt answered the payload with no userErrors (the client believes it happened). */
  acknowledged: boolean;
  attempts: number;
  /** What the last attempt got: `ok`, a userError code, or an error kind. */
  last: string;
}
export type WriteRecord =
  | (WriteBase & { kind: 'refund'; chargeId: string })
  | (WriteBase & { kind: 'createCustomer'; email: string })
  | (WriteBase & { kind: 'trackEvent'; eventName: string })
  | (WriteBase & { kind: 'dealStage'; dealId: string; stage: string });

/** Small, fast, seeded: the run picks the same operations for the same seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const OPEN_STAGES = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'decisionmakerboughtin',
];

/**
 * Which records the load reads and writes. Reads and writes never touch the same customers, so a
 * read can be compared with a healthy answer taken before the chaos: `narrow` customers (and the
 * dashboard's first ten) have those answers; `wide` ones spread reads over many cold entries.
 */
export interface Plan {
  anchor: number;
  dashboard: Record<string, unknown>;
  narrow: string[];
  wide: string[];
  window: { since: string; until: string };
  /** A fresh succeeded USD charge of a write-side customer, each refunded once at most. */
  nextCharge(): string | null;
  trackCustomers: string[];
  deals: string[];
  tokens: string[];
}

export async function buildPlan(dataset: Dataset, clients: number): Promise<Plan> {
  const window = {
    since: new Date(dataset.anchor - 30 * DAY).toISOString(),
    until: new Date(dataset.anchor).toISOString(),
  };
  const customerOf = new Set(dataset.customers.map((c) => c.contact));
  const contactId = (i: number) => toGlobalId('Customer', dataset.contacts[i]?.crmId ?? '');
  const readLimit = Math.min(1_000, Math.floor(dataset.contacts.length / 2));
  const narrow = [...Array(40).keys()].map((i) => i + 10).filter((i) => customerOf.has(i));
  const wide = [...Array(readLimit - 50).keys()].map((i) => i + 50);
  const writeSide = (contact: number) => contact >= readLimit;
  const charges = dataset.charges
    .filter(
      (c) =>
        c.status === 'succeeded' &&
        c.amountRefunded === 0 &&
        c.currency === 'usd' &&
        c.amount >= 500 &&
        writeSide(dataset.customers[c.customer]?.contact ?? 0),
    )
    .map((c) => toGlobalId('Payment', c.stripeId));
  let nextCharge = 0;
  const tokens = await Promise.all(
    Array.from({ length: clients }, (_, i) =>
      signTestToken({ sub: `chaos-client-${i}`, expiresInS: 4 * 3600 }),
    ),
  );
  return {
    anchor: dataset.anchor,
    dashboard: { first: 10 },
    narrow: narrow.map(contactId),
    wide: wide.map(contactId),
    window,
    nextCharge: () => charges[nextCharge++] ?? null,
    trackCustomers: [...Array(200).keys()].map((i) => contactId(readLimit + i)),
    deals: dataset.deals
      .filter((d) => writeSide(d.contact))
      .slice(0, 300)
      .map((d) => toGlobalId('Deal', d.crmId)),
    tokens,
  };
}

/** Posts one GraphQL request; never throws: a refused connection or a timeout is an answer too. */
export async function send(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let body: GraphQLBody | null = null;
    try {
      body = JSON.parse(text) as GraphQLBody;
    } catch {
      body = null;
    }
    return { status: res.status, body, ms: performance.now() - started };
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string } };
    const reason = e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.name ?? 'error');
    return { status: null, body: null, transportError: reason, ms: performance.now() - started };
  }
}

/** A key for a read: the same operation and variables must give the same healthy answer. */
export const readKey = (op: OpName, variables: Record<string, unknown>) => JSON.stringify([op, variables]);

export interface WorkloadOptions {
  url: () => string;
  plan: Plan;
  /** Names this scenario's writes (emails, event names), so that audits never mix scenarios. */
  tag: string;
  seed: number;
  clients?: number;
  durationMs: number;
  maxRequests: number;
  /** `wide`: reads spread over many customers with no healthy answer to compare (cache misses). */
  reads: 'narrow' | 'wide';
  baselines: ReadonlyMap<string, unknown>;
}

export interface Workload {
  /** Stops starting new requests (those in flight finish); resolves when every client is done. */
  halt(): void;
  done: Promise<WorkloadResult>;
}

export interface WorkloadResult {
  requests: RequestRecord[];
  writes: WriteRecord[];
  elapsedMs: number;
}

export function startWorkload(options: WorkloadOptions): Workload {
  const { plan, tag } = options;
  const clients = options.clients ?? DEFAULT_CLIENTS;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const requests: RequestRecord[] = [];
  const writes: WriteRecord[] = [];
  let halted = false;
  let budget = options.maxRequests;
  let serial = 0;
  const ops = Object.entries(MIX) as Array<[OpName, number]>;
  const weight = ops.reduce((sum, [, w]) => sum + w, 0);

  const going = () => !halted && budget > 0 && performance.now() < deadline;

  async function exchange(
    token: string,
    op: OpName,
    query: string,
    variables: Record<string, unknown>,
  ): Promise<{ answer: Answer; classified: Classified } | null> {
    if (!going()) return null;
    budget -= 1;
    const sentAt = performance.now();
    const answer = await send(options.url(), token, query, variables);
    const classified = classify(answer);
    let intact: boolean | null = null;
    let differsAt: string | undefined;
    const key = readKey(op, variables);
    if (!WRITE_OPS.has(op) && classified.kind !== 'failed' && options.baselines.has(key)) {
      const paths = (answer.body?.errors ?? []).flatMap((e) => (e.path ? [e.path] : []));
      const verdict = intactAgainst(answer.body?.data, options.baselines.get(key), paths, RUN_COUNTS);
      intact = verdict.intact;
      if (!verdict.intact) differsAt = verdict.at;
    }
    requests.push({ op, classified, ms: answer.ms, intact, differsAt, sentAt });
    return { answer, classified };
  }

  /** A mutation, retried with the same clientMutationId while it fails or is still in progress. */
  async function mutate<W extends WriteRecord>(
    token: string,
    op: OpName,
    query: string,
    field: string,
    record: W,
    input: Record<string, unknown>,
  ): Promise<void> {
    writes.push(record);
    for (let attempt = 1; attempt <= MUTATION_ATTEMPTS; attempt++) {
      const got = await exchange(token, op, query, { input: { clientMutationId: record.cmid, ...input } });
      if (!got) return;
      record.attempts = attempt;
      const payload = got.answer.body?.data?.[field] as
        { userErrors?: Array<{ code: string }> } | null | undefined;
      const codes = (payload?.userErrors ?? []).map((u) => u.code);
      if (payload && codes.length === 0) {
        record.acknowledged = true;
        record.last = 'ok';
        return;
      }
      record.last = payload ? codes.join(',') : (got.classified.codes[0] ?? got.classified.kind);
      if (payload && !codes.includes('IN_PROGRESS')) return;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }

  async function client(index: number): Promise<void> {
    const random = mulberry32(options.seed * 1_000 + index);
    const token = plan.tokens[index % plan.tokens.length] ?? '';
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const readIds = options.reads === 'narrow' ? plan.narrow : plan.wide;
    while (going()) {
      let roll = random() * weight;
      const op = ops.find(([, w]) => (roll -= w) < 0)?.[0] ?? 'customer';
      const cmid = `${tag}-${index}-${serial++}`;
      switch (op) {
        case 'dashboard':
          await exchange(token, op, DASHBOARD, plan.dashboard);
          break;
        case 'customer':
          await exchange(token, op, CUSTOMER, { id: pick(readIds), ...plan.window });
          break;
        case 'walk': {
          const id = pick(readIds);
          let after: string | null = null;
          for (let page = 0; page < WALK_PAGES; page++) {
            const got = await exchange(token, op, PAYMENTS_PAGE, walkPage(id, after));
            const info = (
              got?.answer.body?.data?.node as { payments?: { pageInfo?: PageInfo } } | null | undefined
            )?.payments?.pageInfo;
            if (!info?.hasNextPage || !info.endCursor) break;
            after = info.endCursor;
          }
          break;
        }
        case 'refund': {
          const chargeId = plan.nextCharge();
          if (!chargeId) break;
          await mutate(token, op, REFUND, 'refundPayment', blank({ kind: 'refund', cmid, chargeId }), {
            paymentId: chargeId,
            amount: { amount: '1.00', currency: 'USD' },
          });
          break;
        }
        case 'createCustomer': {
          const email = `${cmid}@chaos.example.com`.toLowerCase();
          await mutate(
            token,
            op,
            CREATE_CUSTOMER,
            'createCustomer',
            blank({ kind: 'createCustomer', cmid, email }),
            {
              email,
              firstName: 'Chaos',
              lastName: `Client ${index}`,
            },
          );
          break;
        }
        case 'trackEvent': {
          const eventName = `chaos_${tag}`.replace(/[^a-z0-9_]/gi, '_');
          await mutate(token, op, TRACK_EVENT, 'trackEvent', blank({ kind: 'trackEvent', cmid, eventName }), {
            customerId: pick(plan.trackCustomers),
            name: eventName,
            properties: { cmid },
          });
          break;
        }
        case 'dealStage': {
          const dealId = pick(plan.deals);
          const stage = pick(OPEN_STAGES);
          await mutate(
            token,
            op,
            DEAL_STAGE,
            'updateDealStage',
            blank({ kind: 'dealStage', cmid, dealId, stage }),
            {
              id: dealId,
              stage,
            },
          );
          break;
        }
      }
    }
  }

  const done = Promise.all(Array.from({ length: clients }, (_, i) => client(i))).then(() => ({
    requests,
    writes,
    elapsedMs: performance.now() - started,
  }));
  return {
    halt: () => {
      halted = true;
    },
    done,
  };
}

const walkPage = (customerId: string, after: string | null) => ({
  customerId,
  first: WALK_PAGE_SIZE,
  after,
});

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

function blank<W extends Omit<WriteRecord, 'acknowledged' | 'attempts' | 'last'>>(
  record: W,
): W & { acknowledged: boolean; attempts: number; last: string } {
  return { ...record, acknowledged: false, attempts: 0, last: 'not sent' };
}

/**
 * Healthy answers to every narrow read (the dashboard, each customer, each walk's pages), taken
 * before any fault: what a partial answer's untouched fields must still equal.
 */
export async function collectBaselines(url: string, plan: Plan): Promise<Map<string, unknown>> {
  const token = plan.tokens[0] ?? '';
  const baselines = new Map<string, unknown>();
  const healthy = async (op: OpName, query: string, variables: Record<string, unknown>) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await send(url, token, query, variables);
      if (classify(answer).kind === 'full') {
        baselines.set(readKey(op, variables), answer.body?.data);
        return answer.body?.data;
      }
    }
    throw new Error(`no healthy answer to ${op} ${JSON.stringify(variables)} before the chaos`);
  };
  await healthy('dashboard', DASHBOARD, plan.dashboard);
  await Promise.all(
    plan.narrow.map(async (id) => {
      await healthy('customer', CUSTOMER, { id, ...plan.window });
      let after: string | null = null;
      for (let page = 0; page < WALK_PAGES; page++) {
        const data = (await healthy('walk', PAYMENTS_PAGE, walkPage(id, after))) as
          { node?: { payments?: { pageInfo?: PageInfo } } } | undefined;
        const info = data?.node?.payments?.pageInfo;
        if (!info?.hasNextPage || !info.endCursor) break;
        after = info.endCursor;
      }
    }),
  );
  return baselines;
}
