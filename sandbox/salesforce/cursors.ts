import { caseSuffix } from './ids.js';
import type { RenderedRecord } from './soql/evaluate.js';
import { SalesforceError } from './errors.js';

/** Salesforce's batch sizes (FACTS §4): `Sforce-Query-Options: batchSize=n`, 200 to 2,000, default 2,000. */
export const BATCH_SIZE = { min: 200, max: 2000, default: 2000 } as const;
/** An idle query cursor expires after 15 minutes; the twin also keeps at most this many open. */
const IDLE_MS = 15 * 60 * 1000;
const MAX_OPEN = 1000;

interface Cursor {
  rows: RenderedRecord[];
  batchSize: number;
  lastUsed: number;
}

export interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: RenderedRecord[];
}

/** The batch size a request asks for in `Sforce-Query-Options` (clamped to Salesforce's range; unreadable → default). */
export function batchSizeOf(header: string | string[] | undefined): number {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const match = /batchSize\s*=\s*(\d+)/i.exec(text);
  if (!match) return BATCH_SIZE.default;
  return Math.min(BATCH_SIZE.max, Math.max(BATCH_SIZE.min, Number(match[1])));
}

/** Open query cursors: the rest of each result, read through `nextRecordsUrl` (`/query/01g…-2000`). */
export class QueryCursors {
  private readonly open = new Map<string, Cursor>();
  private serial = 0;

  constructor(private readonly clock: () => number) {}

  /** The first page of a result; a cursor is kept only when more remain. */
  first(
    rows: RenderedRecord[],
    batchSize: number,
    version: string,
    endpoint: 'query' | 'queryAll',
  ): QueryPage {
    if (rows.length <= batchSize) return { totalSize: rows.length, done: true, records: rows };
    this.evict();
    this.serial += 1;
    const id15 = `01gSb0${this.serial.toString(36).toUpperCase().padStart(9, '0')}`;
    const locator = id15 + caseSuffix(id15);
    this.open.set(locator, { rows, batchSize, lastUsed: this.clock() });
    return this.page(locator, 0, version, endpoint);
  }

  /** The page at `locator-offset`; Salesforce's INVALID_QUERY_LOCATOR once the cursor is gone. */
  next(locatorWithOffset: string, version: string, endpoint: 'query' | 'queryAll'): QueryPage {
    const match = /^(01g[A-Za-z0-9]{15})-(\d+)$/.exec(locatorWithOffset);
    const cursor = match ? this.open.get(match[1] as string) : undefined;
    if (!match || !cursor || this.clock() - cursor.lastUsed > IDLE_MS) {
      if (match) this.open.delete(match[1] as string);
      throw new SalesforceError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    cursor.lastUsed = this.clock();
    return this.page(match[1] as string, Number(match[2]), version, endpoint);
  }

  private page(locator: string, offset: number, version: string, endpoint: 'query' | 'queryAll'): QueryPage {
    const cursor = this.open.get(locator) as Cursor;
    const end = offset + cursor.batchSize;
    const records = cursor.rows.slice(offset, end);
    // The cursor stays until it idles out, so a retried read of the last page still answers.
    if (end >= cursor.rows.length) {
      return { totalSize: cursor.rows.length, done: true, records };
    }
    return {
      totalSize: cursor.rows.length,
      done: false,
      nextRecordsUrl: `/services/data/v${version}/${endpoint}/${locator}-${end}`,
      records,
    };
  }

  private evict(): void {
    const now = this.clock();
    for (const [locator, cursor] of this.open) if (now - cursor.lastUsed > IDLE_MS) this.open.delete(locator);
    while (this.open.size >= MAX_OPEN) {
      const oldest = this.open.keys().next().value as string;
      this.open.delete(oldest);
    }
  }
}
