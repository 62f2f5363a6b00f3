import type { CompareOp, Expr } from './ast.js';
import { resolveColumn } from './columns.js';
import { compile, type CompileEnv } from './compile.js';
import { parseDateTimeText } from './datetime.js';
import { isTemporal, type ExtraEvent, type Value } from './source.js';

/**
 * The rows a query must look at: a timestamp slice of the table, or an explicit ascending row list; plus
 * `extra`, the captured events' rows (>= table.count) in timestamp order, which the executor merges in by time.
 */
export type Candidates = (
  { kind: 'range'; start: number; end: number } | { kind: 'rows'; rows: Int32Array }
) & { extra: Int32Array };

interface Bound {
  value: number;
  inclusive: boolean;
}

interface Pins {
  persons: Set<number> | null;
  /** The distinct ids behind `persons`, for captured events (whose distinct id may be no seeded person's). */
  distinctIds: Set<string> | null;
  lower: Bound | null;
  upper: Bound | null;
}

const FLIPPED: Partial<Record<CompareOp, CompareOp>> = {
  '=': '=',
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
};

/**
 * Narrows the scan from the WHERE clause's top-level AND: `distinct_id = / IN` uses the per-person index and
 * timestamp comparisons binary-search the sorted timestamps. The full WHERE still runs on every candidate,
 * so the plan only ever saves work and never changes an answer.
 */
export function planCandidates(where: Expr | null, env: CompileEnv): Candidates {
  const pins: Pins = { persons: null, distinctIds: null, lower: null, upper: null };
  for (const conjunct of where ? flattenAnd(where) : []) pin(conjunct, env, pins);
  const { table } = env.source;
  const timestamps = table.timestamp;
  const within = (lo: number, hi: number, at: (k: number) => number): [number, number] => {
    let start = lo;
    let end = hi;
    if (pins.lower) start = search(start, end, at, pins.lower.value, !pins.lower.inclusive);
    if (pins.upper) end = Math.max(start, search(start, end, at, pins.upper.value, pins.upper.inclusive));
    return [start, end];
  };
  const extra = extraCandidates(env.source.extra, table.count, pins, within);
  if (!pins.persons) {
    const [start, end] = within(0, table.count, (k) => timestamps[k] as number);
    return { kind: 'range', start, end, extra };
  }
  const rows: number[] = [];
  for (const person of pins.persons) {
    const at = (k: number): number => timestamps[table.byPerson[k] as number] as number;
    const [start, end] = within(
      table.personStart[person] as number,
      table.personStart[person + 1] as number,
      at,
    );
    for (let k = start; k < end; k++) rows.push(table.byPerson[k] as number);
  }
  const sorted = Int32Array.from(rows);
  if (pins.persons.size > 1) sorted.sort();
  return { kind: 'rows', rows: sorted, extra };
}

const NO_ROWS = new Int32Array(0);

/** The captured events inside the pinned time range (and of the pinned distinct ids), as row numbers. */
function extraCandidates(
  extra: readonly ExtraEvent[],
  offset: number,
  pins: Pins,
  within: (lo: number, hi: number, at: (k: number) => number) => [number, number],
): Int32Array {
  if (extra.length === 0) return NO_ROWS;
  const [start, end] = within(0, extra.length, (k) => (extra[k] as ExtraEvent).timestamp);
  const rows: number[] = [];
  for (let k = start; k < end; k++) {
    if (pins.distinctIds && !pins.distinctIds.has((extra[k] as ExtraEvent).distinctId)) continue;
    rows.push(offset + k);
  }
  return Int32Array.from(rows);
}

function flattenAnd(expr: Expr): Expr[] {
  return expr.kind === 'and' ? expr.exprs.flatMap(flattenAnd) : [expr];
}

/** First index in [lo, hi) whose timestamp is >= value (or > value when `strictlyAfter`). */
function search(
  lo: number,
  hi: number,
  at: (k: number) => number,
  value: number,
  strictlyAfter: boolean,
): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    const t = at(mid);
    if (strictlyAfter ? t <= value : t < value) a = mid + 1;
    else b = mid;
  }
  return a;
}

function columnName(expr: Expr, env: CompileEnv): string | null {
  if (expr.kind !== 'field') return null;
  return resolveColumn(expr.chain, env.tableAlias)?.name ?? null;
}

function constantValue(expr: Expr, env: CompileEnv): { value: Value; temporal: boolean } | null {
  const compiled = compile(expr, { ...env, group: null });
  if (!compiled.constant) return null;
  return { value: compiled.eval({ row: -1, keys: [], aggs: [] }), temporal: isTemporal(compiled.type) };
}

function pin(expr: Expr, env: CompileEnv, pins: Pins): void {
  if (expr.kind === 'in' && !expr.negated && columnName(expr.left, env) === 'distinct_id') {
    const ids = new Set<number>();
    const names = new Set<string>();
    for (const item of expr.items) {
      const constant = constantValue(item, env);
      if (!constant) return;
      if (typeof constant.value === 'string') names.add(constant.value);
      const person =
        typeof constant.value === 'string' ? env.source.personIndexOf(constant.value) : undefined;
      if (person !== undefined) ids.add(person);
    }
    pinPersons(pins, ids, names);
    return;
  }
  if (expr.kind !== 'compare') return;
  let { left, right, op } = expr;
  if (columnName(left, env) === null && columnName(right, env) !== null) {
    const flipped = FLIPPED[op];
    if (!flipped) return;
    [left, right, op] = [right, left, flipped];
  }
  const column = columnName(left, env);
  if (column === 'distinct_id' && op === '=') {
    const constant = constantValue(right, env);
    if (!constant || typeof constant.value !== 'string') return;
    const person = env.source.personIndexOf(constant.value);
    pinPersons(pins, new Set(person === undefined ? [] : [person]), new Set([constant.value]));
  } else if (column === 'timestamp' && op in FLIPPED) {
    const constant = constantValue(right, env);
    if (!constant || constant.value === null) return;
    const ms = constant.temporal ? Number(constant.value) : parseDateTimeText(String(constant.value));
    if (ms === null || Number.isNaN(ms)) return;
    if (op === '>' || op === '>=' || op === '=') tighten(pins, 'lower', { value: ms, inclusive: op !== '>' });
    if (op === '<' || op === '<=' || op === '=') tighten(pins, 'upper', { value: ms, inclusive: op !== '<' });
  }
}

function pinPersons(pins: Pins, ids: Set<number>, names: Set<string>): void {
  pins.persons = pins.persons ? new Set([...ids].filter((id) => pins.persons?.has(id))) : ids;
  pins.distinctIds = pins.distinctIds
    ? new Set([...names].filter((name) => pins.distinctIds?.has(name)))
    : names;
}

function tighten(pins: Pins, side: 'lower' | 'upper', bound: Bound): void {
  const current = pins[side];
  if (!current) {
    pins[side] = bound;
    return;
  }
  const better = side === 'lower' ? bound.value > current.value : bound.value < current.value;
  const sameButStricter = bound.value === current.value && !bound.inclusive;
  if (better || sameButStricter) pins[side] = bound;
}
