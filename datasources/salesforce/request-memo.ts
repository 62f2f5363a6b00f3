import { currentRequestScope, type RequestScope } from '../transport/request-scope.js';
import type { AccountRecord, OpportunityRecord } from './wire.js';

/**
 * What one relationship query already told the adapter during one client request: the accounts
 * and opportunities that came along with a page of contacts, and each contact's opportunity ids.
 * A later batch read for those ids in the same request is answered from here, so the dashboard's
 * contacts, companies and deals cost one query instead of four. Kept per request (a WeakMap on
 * its scope): never across requests, so nothing here is older than the request reading it.
 */
export interface RequestMemo {
  accounts: Map<string, AccountRecord>;
  opportunities: Map<string, OpportunityRecord>;
  dealIds: Map<string, string[]>;
}

const memos = new WeakMap<RequestScope, RequestMemo>();

/** The memo of the request being served; null outside a request (background work reads fresh). */
export function requestMemo(): RequestMemo | null {
  const scope = currentRequestScope();
  if (!scope) return null;
  let memo = memos.get(scope);
  if (!memo) {
    memo = { accounts: new Map(), opportunities: new Map(), dealIds: new Map() };
    memos.set(scope, memo);
  }
  return memo;
}

/**
 * Answers `ids` from `known` where it can; `fetch` reads the rest (in one call), and the answers
 * keep the order asked.
 */
export async function fromMemoOr<T>(
  ids: readonly string[],
  known: ReadonlyMap<string, T> | undefined,
  fetch: (missing: readonly string[]) => Promise<Array<T | null>>,
): Promise<Array<T | null>> {
  const missing = known ? ids.filter((id) => !known.has(id)) : [...ids];
  if (missing.length === 0) return ids.map((id) => known?.get(id) ?? null);
  const fetched = missing.length === ids.length ? await fetch(ids) : await fetch(missing);
  if (missing.length === ids.length) return fetched;
  const byId = new Map(missing.map((id, i) => [id, fetched[i] ?? null]));
  return ids.map((id) => known?.get(id) ?? byId.get(id) ?? null);
}
