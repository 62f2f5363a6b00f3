import type { CompareOp, Expr, ExprOf } from './ast.js';
import { compileColumn, resolveColumn } from './columns.js';
import { addInterval, parseDateTimeText, startOfDay } from './datetime.js';
import { HogQLError } from './errors.js';
import { AGGREGATES, AGGREGATE_NAMES, SCALAR_FUNCTIONS, aggregateKind, type AggKind } from './functions.js';
import { printExpr } from './printer.js';
import {
  compareValues,
  isNumeric,
  isTemporal,
  isText,
  truthy,
  type EventsSource,
  type SqlType,
  type Value,
} from './source.js';

/** Where an expression is evaluated: a row of events, or a finished group (its keys and aggregates). */
export interface Scope {
  row: number;
  keys: Value[];
  aggs: Value[];
}
export type Eval = (scope: Scope) => Value;

/** A typed, ready-to-run expression; constants are folded once at compile time. */
export interface Compiled {
  type: SqlType;
  nullable: boolean;
  constant: boolean;
  eval: Eval;
}

export interface AggSlot {
  kind: AggKind;
  arg: Compiled | null;
  type: SqlType;
}

/** In aggregate context: the GROUP BY keys (by canonical text) and the aggregate slots found so far. */
export interface GroupFrame {
  keys: Map<string, { index: number; compiled: Compiled }>;
  aggs: AggSlot[];
}

export interface CompileEnv {
  source: EventsSource;
  tableAlias: string | null;
  now: number;
  /** The clause being compiled, for messages (`WHERE`, `GROUP BY`, ...). */
  clause: string;
  group: GroupFrame | null;
}

const NO_SCOPE: Scope = { row: -1, keys: [], aggs: [] };

export function queryError(message: string, node: { start: number; end: number }): never {
  throw new HogQLError('query', message, node.start, node.end);
}

export function constantOf(value: Value, type?: SqlType): Compiled {
  const inferred: SqlType =
    type ??
    (value === null
      ? 'Null'
      : typeof value === 'string'
        ? 'String'
        : typeof value === 'boolean'
          ? 'Bool'
          : Number.isInteger(value)
            ? 'Int'
            : 'Float');
  return { type: inferred, nullable: value === null, constant: true, eval: () => value };
}

/** Builds a node from its children, folding it to a constant when they all are. */
export function derived(
  type: SqlType,
  nullable: boolean,
  evaluate: Eval,
  children: readonly Compiled[],
): Compiled {
  if (children.every((c) => c.constant)) return constantOf(evaluate(NO_SCOPE), type);
  return { type, nullable, constant: false, eval: evaluate };
}

/** Compiles one expression for its context; every unsupported or ill-typed construct is a HogQLError here. */
export function compile(expr: Expr, env: CompileEnv): Compiled {
  if (env.group) {
    const key = env.group.keys.get(printExpr(expr));
    if (key) {
      const { index, compiled } = key;
      return { ...compiled, constant: false, eval: (s) => s.keys[index] ?? null };
    }
  }
  switch (expr.kind) {
    case 'constant':
      return constantOf(expr.value);
    case 'placeholder':
      return queryError(`Unresolved placeholder {${expr.name}}: pass it in the query's values`, expr);
    case 'field':
      return compileField(expr, env);
    case 'call':
      return compileCall(expr, env);
    case 'compare':
      return compileCompare(expr, env);
    case 'in':
      return compileIn(expr, env);
    case 'isNull': {
      const inner = compile(expr.expr, env);
      const negated = expr.negated;
      return derived('Bool', false, (s) => (inner.eval(s) === null) !== negated, [inner]);
    }
    case 'and':
    case 'or':
      return compileLogical(expr, env);
    case 'not': {
      const inner = requireCondition(compile(expr.expr, env), expr.expr);
      return derived(
        'Bool',
        inner.nullable,
        (s) => {
          const v = inner.eval(s);
          return v === null ? null : !truthy(v);
        },
        [inner],
      );
    }
    case 'negate': {
      const inner = compile(expr.expr, env);
      if (!isNumeric(inner.type) && inner.type !== 'Null') {
        queryError(`Illegal type ${inner.type} of argument of unary minus`, expr);
      }
      return derived(
        inner.type === 'UInt' ? 'Int' : inner.type,
        inner.nullable,
        (s) => {
          const v = inner.eval(s);
          return v === null ? null : -Number(v);
        },
        [inner],
      );
    }
    case 'arith':
      return compileArith(expr, env);
    case 'interval':
      return queryError('INTERVAL can only be added to or subtracted from a date or datetime', expr);
  }
}

function compileField(expr: ExprOf<'field'>, env: CompileEnv): Compiled {
  const column = resolveColumn(expr.chain, env.tableAlias);
  const name = expr.chain.join('.');
  if (!column) return queryError(`Unable to resolve field: ${name}`, expr);
  if (env.group) {
    return queryError(`Column \`${name}\` is not under an aggregate function and not in GROUP BY keys`, expr);
  }
  return compileColumn(column, env.source);
}

function compileCall(expr: ExprOf<'call'>, env: CompileEnv): Compiled {
  const aggregate = aggregateKind(expr);
  if (aggregate) {
    if (!env.group)
      return queryError(`Aggregate function ${printExpr(expr)} is not allowed in ${env.clause}`, expr);
    const rowEnv: CompileEnv = { ...env, group: null, clause: 'an aggregate function argument' };
    const arg = expr.args[0] ? compile(expr.args[0], rowEnv) : null;
    const spec = AGGREGATES[aggregate];
    const type = spec.resultType(arg, expr);
    const index = env.group.aggs.push({ kind: aggregate, arg, type }) - 1;
    return { type, nullable: spec.nullable(arg), constant: false, eval: (s) => s.aggs[index] ?? null };
  }
  const handler = SCALAR_FUNCTIONS.get(expr.name);
  if (!handler) {
    const known = [...AGGREGATE_NAMES, ...SCALAR_FUNCTIONS.keys()].sort().join(', ');
    return queryError(`Unsupported function call '${expr.name}(...)'. The sandbox supports: ${known}`, expr);
  }
  if (expr.distinct) queryError(`DISTINCT is only allowed inside count()`, expr);
  return handler(
    expr,
    expr.args.map((a) => compile(a, env)),
    env,
  );
}

/** Brings two compared operands to one type, reading string constants as dates where the other side is one. */
function unify(
  left: Compiled,
  right: Compiled,
  leftNode: Expr,
  rightNode: Expr,
  whole: Expr,
): [Compiled, Compiled] {
  if (left.type === 'Null' || right.type === 'Null') return [left, right];
  if (isTemporal(left.type) && right.type === 'String') return [left, asDateTime(right, rightNode)];
  if (isTemporal(right.type) && left.type === 'String') return [asDateTime(left, leftNode), right];
  const sameFamily =
    (isNumeric(left.type) && isNumeric(right.type)) ||
    (isText(left.type) && isText(right.type)) ||
    (isTemporal(left.type) && isTemporal(right.type));
  if (!sameFamily) {
    queryError(
      `Illegal types of arguments (${left.type}, ${right.type}) for comparison \`${printExpr(whole)}\``,
      whole,
    );
  }
  return [left, right];
}

/** Reads a String as a DateTime: once for a constant, per row otherwise. */
export function asDateTime(value: Compiled, node: Expr): Compiled {
  const parse = (v: Value): number | null => {
    if (v === null) return null;
    const ms = parseDateTimeText(String(v));
    if (ms === null) queryError(`Cannot parse '${String(v)}' as DateTime`, node);
    return ms;
  };
  return derived('DateTime', value.nullable, (s) => parse(value.eval(s)), [value]);
}

function likePattern(pattern: string, caseInsensitive: boolean): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i] as string);
    else if (ch === '%') source += '[\\s\\S]*';
    else if (ch === '_') source += '[\\s\\S]';
    else source += escapeRegExp(ch);
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const COMPARATORS: Record<'=' | '!=' | '<' | '<=' | '>' | '>=', (c: number) => boolean> = {
  '=': (c) => c === 0,
  '!=': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

export function compileCompare(expr: ExprOf<'compare'>, env: CompileEnv): Compiled {
  const rawLeft = compile(expr.left, env);
  const rawRight = compile(expr.right, env);
  const nullable = rawLeft.nullable || rawRight.nullable;
  if (isLike(expr.op)) {
    for (const [side, node] of [
      [rawLeft, expr.left],
      [rawRight, expr.right],
    ] as const) {
      if (!isText(side.type) && side.type !== 'Null')
        queryError(`Illegal type ${side.type} of argument of ${expr.op.toUpperCase()}`, node);
    }
    const insensitive = expr.op.includes('ilike');
    const negated = expr.op.startsWith('not');
    const fixed = rawRight.constant ? rawRight.eval(NO_SCOPE) : undefined;
    const fixedPattern = typeof fixed === 'string' ? likePattern(fixed, insensitive) : null;
    return derived(
      'Bool',
      nullable,
      (s) => {
        const v = rawLeft.eval(s);
        const p = fixedPattern ?? rawRight.eval(s);
        if (v === null || p === null) return null;
        const re = p instanceof RegExp ? p : likePattern(String(p), insensitive);
        return re.test(String(v)) !== negated;
      },
      [rawLeft, rawRight],
    );
  }
  const [left, right] = unify(rawLeft, rawRight, expr.left, expr.right, expr);
  const test = COMPARATORS[expr.op as keyof typeof COMPARATORS];
  return derived(
    'Bool',
    nullable,
    (s) => {
      const a = left.eval(s);
      const b = right.eval(s);
      return a === null || b === null ? null : test(compareValues(a, b));
    },
    [left, right],
  );
}

function isLike(op: CompareOp): boolean {
  return op.endsWith('like');
}

function compileIn(expr: ExprOf<'in'>, env: CompileEnv): Compiled {
  const left = compile(expr.left, env);
  const members = new Set<Value>();
  for (const item of expr.items) {
    const compiled = compile(item, env);
    if (!compiled.constant) queryError('IN lists must hold constant values', item);
    const [, coerced] = unify(left, compiled, expr.left, item, expr);
    const value = coerced.eval(NO_SCOPE);
    members.add(typeof value === 'boolean' ? Number(value) : value);
  }
  const negated = expr.negated;
  return derived(
    'Bool',
    left.nullable,
    (s) => {
      const v = left.eval(s);
      if (v === null) return null;
      return members.has(typeof v === 'boolean' ? Number(v) : v) !== negated;
    },
    [left],
  );
}

function requireCondition(c: Compiled, node: Expr): Compiled {
  if (c.type !== 'Bool' && c.type !== 'Null' && !isNumeric(c.type)) {
    queryError(`Illegal type ${c.type} of a condition: expected a boolean`, node);
  }
  return c;
}

function compileLogical(expr: ExprOf<'and'> | ExprOf<'or'>, env: CompileEnv): Compiled {
  const parts = expr.exprs.map((e) => requireCondition(compile(e, env), e));
  const evals = parts.map((p) => p.eval);
  const decisive = expr.kind === 'or';
  return derived(
    'Bool',
    parts.some((p) => p.nullable),
    (s) => {
      let sawNull = false;
      for (const e of evals) {
        const v = e(s);
        if (v === null) sawNull = true;
        else if (truthy(v) === decisive) return decisive;
      }
      return sawNull ? null : !decisive;
    },
    parts,
  );
}

function compileArith(expr: ExprOf<'arith'>, env: CompileEnv): Compiled {
  const { op } = expr;
  let base = expr.left;
  let interval = expr.right;
  if (expr.left.kind === 'interval' && op === '+') [base, interval] = [expr.right, expr.left];
  if (interval.kind === 'interval' && (op === '+' || op === '-')) {
    const target = compile(base, env);
    if (!isTemporal(target.type) && target.type !== 'Null') {
      queryError(`INTERVAL can only be added to a date or datetime, not ${target.type}`, base);
    }
    const amount = compile(interval.amount, env);
    if (!isNumeric(amount.type)) queryError('INTERVAL needs a number', interval.amount);
    const sign = op === '-' ? -1 : 1;
    const unit = interval.unit;
    const keepsDate = target.type === 'Date' && !['second', 'minute', 'hour'].includes(unit);
    return derived(
      keepsDate ? 'Date' : 'DateTime',
      target.nullable || amount.nullable,
      (s) => {
        const t = target.eval(s);
        const n = amount.eval(s);
        return t === null || n === null ? null : addInterval(Number(t), sign * Math.trunc(Number(n)), unit);
      },
      [target, amount],
    );
  }
  const left = compile(expr.left, env);
  const right = compile(expr.right, env);
  for (const [side, node] of [
    [left, expr.left],
    [right, expr.right],
  ] as const) {
    if (!isNumeric(side.type) && side.type !== 'Null') {
      queryError(`Illegal type ${side.type} of argument of '${op}'`, node);
    }
  }
  const integral = left.type !== 'Float' && right.type !== 'Float';
  const type: SqlType = op === '/' ? 'Float' : integral ? 'Int' : 'Float';
  const apply = ARITH[op];
  return derived(
    type,
    left.nullable || right.nullable || op === '/' || op === '%',
    (s) => {
      const a = left.eval(s);
      const b = right.eval(s);
      return a === null || b === null ? null : apply(Number(a), Number(b));
    },
    [left, right],
  );
}

const ARITH: Record<ExprOf<'arith'>['op'], (a: number, b: number) => number | null> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => (b === 0 ? null : a / b),
  '%': (a, b) => (b === 0 ? null : a % b),
};

/** Midnight of a DateTime, for toDate and date comparisons. */
export function toDateValue(ms: number): number {
  return startOfDay(ms);
}
