import type { Expr, SelectQuery } from './ast.js';
import { createAccumulator, type Accumulator } from './accumulators.js';
import {
  compile,
  queryError,
  type Compiled,
  type CompileEnv,
  type GroupFrame,
  type Scope,
} from './compile.js';
import { isoDate, isoZ } from './datetime.js';
import { containsAggregate } from './functions.js';
import { parseSelect } from './parser.js';
import { planCandidates, type Candidates } from './planner.js';
import { inlineAliases, substitutePlaceholders } from './prepare.js';
import { printExpr, printQuery } from './printer.js';
import {
  clickhouseTypeName,
  compareValues,
  isNumeric,
  truthy,
  type EventsSource,
  type ExtraEvent,
  type SqlType,
  type Value,
} from './source.js';

/** PostHog's row cap when a query has no LIMIT, and the most an explicit LIMIT may ask for. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 50_000;
/** Above this many wanted rows a full sort beats keeping a sorted top-K. */
const TOP_K_MAX = 1_000;

const PUBLIC_TABLES = new Set([
  'persons',
  'person_distinct_ids',
  'sessions',
  'groups',
  'cohort_people',
  'session_replay_events',
  'query_log',
]);

export interface HogQLResult {
  columns: string[];
  types: [string, string][];
  results: unknown[][];
  hasMore: boolean;
  limit: number;
  offset: number;
  hogql: string;
}

export interface RunOptions {
  values?: Record<string, unknown>;
  /** The instant now() reads, in epoch ms. */
  now: number;
}

/** Parses, checks and runs one HogQL query over the events; any refusal is a HogQLError. */
export function runHogQL(text: string, source: EventsSource, { values = {}, now }: RunOptions): HogQLResult {
  const parsed = substitutePlaceholders(parseSelect(text), values);
  checkTable(parsed);
  const query = inlineAliases(parsed);
  const env: CompileEnv = { source, tableAlias: parsed.from.alias, now, clause: 'WHERE', group: null };
  const where = query.where ? condition(compile(query.where, env), query.where) : null;
  const limit = Math.min(pageNumber(query.limit, env, 'LIMIT') ?? DEFAULT_LIMIT, MAX_LIMIT);
  const offset = pageNumber(query.offset, env, 'OFFSET') ?? 0;
  const candidates = planCandidates(query.where, env);
  const aggregated =
    query.groupBy.length > 0 ||
    query.select.some((s) => containsAggregate(s.expr)) ||
    query.orderBy.some((o) => containsAggregate(o.expr)) ||
    (query.having !== null && containsAggregate(query.having));
  if (query.having && !aggregated) queryError('HAVING needs GROUP BY or an aggregate function', query.having);
  const run = aggregated ? runGrouped : runPlain;
  const { selected, rows, hasMore } = run(query, env, candidates, where, limit, offset);
  return {
    columns: parsed.select.map((s) => s.alias ?? columnName(s.expr)),
    types: selected.map((c, i) => [
      parsed.select[i]?.alias ?? columnName(parsed.select[i]?.expr as Expr),
      clickhouseTypeName(c.type, c.nullable),
    ]),
    results: rows,
    hasMore,
    limit,
    offset,
    hogql: printQuery(parsed, limit, offset),
  };
}

function checkTable(query: SelectQuery): void {
  const { table } = query.from;
  if (table === 'events') return;
  if (PUBLIC_TABLES.has(table))
    queryError(`Table \`${table}\` is not available in the sandbox; query \`events\``, query.from);
  queryError(`Unknown table \`${table}\`.`, query.from);
}

function columnName(expr: Expr): string {
  return expr.kind === 'field' ? (expr.chain.at(-1) as string) : printExpr(expr);
}

function condition(compiled: Compiled, node: Expr): Compiled {
  if (compiled.type !== 'Bool' && compiled.type !== 'Null' && !isNumeric(compiled.type)) {
    queryError(`Illegal type ${compiled.type} of a condition: expected a boolean`, node);
  }
  return compiled;
}

function pageNumber(expr: Expr | null, env: CompileEnv, clause: string): number | null {
  if (!expr) return null;
  const compiled = compile(expr, { ...env, clause });
  const value = compiled.constant ? compiled.eval({ row: -1, keys: [], aggs: [] }) : null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    queryError(`${clause} must be a non-negative integer constant`, expr);
  }
  return value;
}

function formatValue(type: SqlType, value: Value): unknown {
  if (value === null) return null;
  if (type === 'DateTime') return isoZ(Number(value));
  if (type === 'Date') return isoDate(Number(value));
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

interface Page {
  selected: Compiled[];
  rows: unknown[][];
  hasMore: boolean;
}

function forEachCandidate(
  candidates: Candidates,
  source: EventsSource,
  visit: (row: number) => boolean,
): void {
  const { extra } = candidates;
  if (extra.length === 0) {
    if (candidates.kind === 'range') {
      for (let row = candidates.start; row < candidates.end; row++) if (visit(row) === false) return;
    } else {
      for (const row of candidates.rows) if (visit(row) === false) return;
    }
    return;
  }
  // Captured events merge in by time; on equal times seeded rows come first, as they were there first.
  const { timestamp } = source.table;
  const n = source.table.count;
  const extraTime = (k: number): number =>
    k < extra.length ? (source.extra[(extra[k] as number) - n] as ExtraEvent).timestamp : Infinity;
  let k = 0;
  let next = extraTime(0);
  const merged = (row: number): boolean => {
    const t = timestamp[row] as number;
    while (next < t) {
      if (visit(extra[k] as number) === false) return false;
      next = extraTime(++k);
    }
    return visit(row);
  };
  if (candidates.kind === 'range') {
    for (let row = candidates.start; row < candidates.end; row++) if (!merged(row)) return;
  } else {
    for (const row of candidates.rows) if (!merged(row)) return;
  }
  for (; k < extra.length; k++) if (visit(extra[k] as number) === false) return;
}

function render(selected: Compiled[], scope: Scope): unknown[] {
  return selected.map((c) => formatValue(c.type, c.eval(scope)));
}

function runPlain(
  query: SelectQuery,
  env: CompileEnv,
  candidates: Candidates,
  where: Compiled | null,
  limit: number,
  offset: number,
): Page {
  const selected = query.select.map((s) => compile(s.expr, { ...env, clause: 'SELECT' }));
  const order = query.orderBy.map((o) => ({
    key: compile(o.expr, { ...env, clause: 'ORDER BY' }).eval,
    sign: o.descending ? -1 : 1,
  }));
  const wanted = offset + limit + 1;
  const scope: Scope = { row: -1, keys: [], aggs: [] };
  const keep = order.length === 0 ? null : new Ranked(wanted);
  const matched: number[] = [];
  forEachCandidate(candidates, env.source, (row) => {
    scope.row = row;
    if (where && !truthy(where.eval(scope))) return true;
    if (!keep) {
      matched.push(row);
      return matched.length < wanted;
    }
    keep.offer(
      row,
      order.map((o) => o.key(scope)),
      order,
    );
    return true;
  });
  const ordered = keep ? keep.rows(order) : matched;
  const page = ordered.slice(offset, offset + limit + 1);
  const rows = page.slice(0, limit).map((row) => {
    scope.row = row;
    return render(selected, scope);
  });
  return { selected, rows, hasMore: page.length > limit };
}

interface OrderKey {
  sign: number;
}

function compareKeys(a: readonly Value[], b: readonly Value[], order: readonly OrderKey[]): number {
  for (let i = 0; i < order.length; i++) {
    const x = a[i] as Value;
    const y = b[i] as Value;
    if (x === y) continue;
    // NULLs sort last whatever the direction, as in ClickHouse.
    if (x === null) return 1;
    if (y === null) return -1;
    const c = compareValues(x, y) * (order[i] as OrderKey).sign;
    if (c !== 0) return c;
  }
  return 0;
}

/** Keeps the best `capacity` rows in order (stable: earlier rows win ties), or all rows when capacity is large. */
class Ranked {
  private readonly entries: { row: number; keys: Value[] }[] = [];
  constructor(private readonly capacity: number) {}

  offer(row: number, keys: Value[], order: readonly OrderKey[]): void {
    const entries = this.entries;
    if (this.capacity > TOP_K_MAX) {
      entries.push({ row, keys });
      return;
    }
    const last = entries.at(-1);
    if (entries.length >= this.capacity && last && compareKeys(keys, last.keys, order) >= 0) return;
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys((entries[mid] as { keys: Value[] }).keys, keys, order) <= 0) lo = mid + 1;
      else hi = mid;
    }
    entries.splice(lo, 0, { row, keys });
    if (entries.length > this.capacity) entries.pop();
  }

  rows(order: readonly OrderKey[]): number[] {
    if (this.capacity > TOP_K_MAX) this.entries.sort((a, b) => compareKeys(a.keys, b.keys, order));
    return this.entries.map((e) => e.row);
  }
}

interface Group {
  keys: Value[];
  accumulators: Accumulator[];
}

function runGrouped(
  query: SelectQuery,
  env: CompileEnv,
  candidates: Candidates,
  where: Compiled | null,
  limit: number,
  offset: number,
): Page {
  const keyCompiled = query.groupBy.map((g) => compile(g, { ...env, clause: 'GROUP BY' }));
  const frame: GroupFrame = { keys: new Map(), aggs: [] };
  query.groupBy.forEach((g, index) =>
    frame.keys.set(printExpr(g), { index, compiled: keyCompiled[index] as Compiled }),
  );
  const groupEnv = (clause: string): CompileEnv => ({ ...env, group: frame, clause });
  const selected = query.select.map((s) => compile(s.expr, groupEnv('SELECT')));
  const having = query.having ? condition(compile(query.having, groupEnv('HAVING')), query.having) : null;
  const order = query.orderBy.map((o) => ({
    key: compile(o.expr, groupEnv('ORDER BY')).eval,
    sign: o.descending ? -1 : 1,
  }));

  const groups = new Map<unknown, Group>();
  const scope: Scope = { row: -1, keys: [], aggs: [] };
  const keyEvals = keyCompiled.map((k) => k.eval);
  const argEvals = frame.aggs.map((slot) => slot.arg?.eval ?? null);
  const single = keyEvals.length === 1;
  forEachCandidate(candidates, env.source, (row) => {
    scope.row = row;
    if (where && !truthy(where.eval(scope))) return true;
    const keys = keyEvals.map((k) => k(scope));
    const id = single ? keys[0] : JSON.stringify(keys);
    let group = groups.get(id);
    if (!group) {
      group = { keys, accumulators: frame.aggs.map(createAccumulator) };
      groups.set(id, group);
    }
    for (let i = 0; i < argEvals.length; i++) {
      const arg = argEvals[i];
      (group.accumulators[i] as Accumulator).add(arg ? arg(scope) : null);
    }
    return true;
  });
  // An aggregate without GROUP BY answers one row even over no rows, as in SQL.
  if (groups.size === 0 && query.groupBy.length === 0)
    groups.set(null, { keys: [], accumulators: frame.aggs.map(createAccumulator) });

  let finished: Scope[] = [...groups.values()].map((g) => ({
    row: -1,
    keys: g.keys,
    aggs: g.accumulators.map((a) => a.result()),
  }));
  if (having) finished = finished.filter((s) => truthy(having.eval(s)));
  if (order.length > 0) {
    const keyed = finished.map((s) => ({ s, keys: order.map((o) => o.key(s)) }));
    keyed.sort((a, b) => compareKeys(a.keys, b.keys, order));
    finished = keyed.map((k) => k.s);
  }
  const page = finished.slice(offset, offset + limit + 1);
  return {
    selected,
    rows: page.slice(0, limit).map((s) => render(selected, s)),
    hasMore: page.length > limit,
  };
}
