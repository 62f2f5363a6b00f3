import type { Expr, ExprOf } from './ast.js';
import {
  asDateTime,
  compileCompare,
  constantOf,
  derived,
  queryError,
  type Compiled,
  type CompileEnv,
} from './compile.js';
import {
  clickhouseDateTime,
  isoDate,
  startOfDay,
  startOfHour,
  startOfMonth,
  startOfQuarter,
  startOfWeek,
  startOfYear,
} from './datetime.js';
import { isNumeric, isTemporal, isText, type SqlType, type Value } from './source.js';

export type AggKind = 'count' | 'countDistinct' | 'countIf' | 'sum' | 'min' | 'max' | 'avg';

interface AggregateSpec {
  resultType(arg: Compiled | null, call: ExprOf<'call'>): SqlType;
  nullable(arg: Compiled | null): boolean;
}

const COUNTING: AggregateSpec = { resultType: () => 'UInt', nullable: () => false };

export const AGGREGATES: Record<AggKind, AggregateSpec> = {
  count: COUNTING,
  countDistinct: COUNTING,
  countIf: COUNTING,
  sum: {
    resultType: (arg, call) => {
      const type = numericArg(arg, call);
      return type === 'Float' ? 'Float' : 'Int';
    },
    nullable: () => false,
  },
  avg: {
    resultType: (arg, call) => {
      numericArg(arg, call);
      return 'Float';
    },
    nullable: () => true,
  },
  min: { resultType: (arg) => (arg as Compiled).type, nullable: () => true },
  max: { resultType: (arg) => (arg as Compiled).type, nullable: () => true },
};

function numericArg(arg: Compiled | null, call: ExprOf<'call'>): SqlType {
  const type = (arg as Compiled).type;
  if (!isNumeric(type) && type !== 'Null') {
    queryError(
      `Illegal type ${type} of argument for aggregate function ${call.name}; convert it with toFloat() or toInt()`,
      call,
    );
  }
  return type;
}

/** Aggregate names as a query spells them. */
export const AGGREGATE_NAMES = ['count', 'countIf', 'uniq', 'uniqExact', 'sum', 'min', 'max', 'avg'];

/** Names ClickHouse treats case-insensitively (the SQL standard aggregates). */
const CASE_INSENSITIVE = new Set(['count', 'sum', 'min', 'max', 'avg']);

/** The aggregate a call is, checking its arguments, or null for a non-aggregate call. */
export function aggregateKind(call: ExprOf<'call'>): AggKind | null {
  const name = CASE_INSENSITIVE.has(call.name.toLowerCase()) ? call.name.toLowerCase() : call.name;
  const argCount = (min: number, max: number): void => {
    if (call.args.length < min || call.args.length > max) {
      queryError(
        `Aggregate function ${name} takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${call.args.length}`,
        call,
      );
    }
  };
  const noDistinct = (): void => {
    if (call.distinct) queryError(`DISTINCT is only supported inside count()`, call);
  };
  switch (name) {
    case 'count':
      if (call.distinct) {
        argCount(1, 1);
        return 'countDistinct';
      }
      argCount(0, 1);
      return 'count';
    case 'uniq':
    case 'uniqExact':
      noDistinct();
      argCount(1, 1);
      return 'countDistinct';
    case 'countIf':
      noDistinct();
      argCount(1, 1);
      return 'countIf';
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
      noDistinct();
      argCount(1, 1);
      return name;
    default:
      return null;
  }
}

/** True when the expression contains an aggregate call anywhere. */
export function containsAggregate(expr: Expr): boolean {
  switch (expr.kind) {
    case 'call':
      return aggregateKind(expr) !== null || expr.args.some(containsAggregate);
    case 'compare':
    case 'arith':
      return containsAggregate(expr.left) || containsAggregate(expr.right);
    case 'in':
      return containsAggregate(expr.left) || expr.items.some(containsAggregate);
    case 'and':
    case 'or':
      return expr.exprs.some(containsAggregate);
    case 'not':
    case 'negate':
    case 'isNull':
      return containsAggregate(expr.expr);
    case 'interval':
      return containsAggregate(expr.amount);
    default:
      return false;
  }
}

type ScalarHandler = (call: ExprOf<'call'>, args: Compiled[], env: CompileEnv) => Compiled;

function arity(call: ExprOf<'call'>, args: readonly Compiled[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const wanted = min === max ? `${min}` : `${min} to ${max}`;
    queryError(`Function ${call.name} takes ${wanted} argument(s), got ${args.length}`, call);
  }
}

/** A temporal argument, reading a String as a DateTime as ClickHouse does for date functions. */
function temporalArg(call: ExprOf<'call'>, args: readonly Compiled[], index = 0): Compiled {
  const arg = args[index] as Compiled;
  const node = call.args[index] as Expr;
  if (arg.type === 'String') return asDateTime(arg, node);
  if (!isTemporal(arg.type) && arg.type !== 'Null') {
    queryError(
      `Illegal type ${arg.type} of argument of function ${call.name}: expected a date or datetime`,
      node,
    );
  }
  return arg;
}

function truncation(type: 'Date' | 'DateTime', truncate: (ms: number) => number): ScalarHandler {
  return (call, args) => {
    arity(call, args, 1);
    const arg = temporalArg(call, args);
    return derived(
      type,
      arg.nullable,
      (s) => {
        const v = arg.eval(s);
        return v === null ? null : truncate(Number(v));
      },
      [arg],
    );
  };
}

function textCase(transform: (s: string) => string): ScalarHandler {
  return (call, args) => {
    arity(call, args, 1);
    const arg = args[0] as Compiled;
    if (!isText(arg.type) && arg.type !== 'Null')
      queryError(`Illegal type ${arg.type} of argument of function ${call.name}`, call);
    return derived(
      'String',
      arg.nullable,
      (s) => {
        const v = arg.eval(s);
        return v === null ? null : transform(String(v));
      },
      [arg],
    );
  };
}

function numberParse(type: 'Int' | 'Float'): ScalarHandler {
  return (call, args) => {
    arity(call, args, 1);
    const arg = args[0] as Compiled;
    if (isTemporal(arg.type))
      queryError(`Illegal type ${arg.type} of argument of function ${call.name}`, call);
    // HogQL's toInt/toFloat are ClickHouse's ...OrNull variants: unreadable text gives NULL.
    return derived(
      type,
      true,
      (s) => {
        const v = arg.eval(s);
        if (v === null) return null;
        const n = typeof v === 'string' ? (v.trim() === '' ? NaN : Number(v)) : Number(v);
        if (!Number.isFinite(n)) return null;
        return type === 'Int' ? Math.trunc(n) : n;
      },
      [arg],
    );
  };
}

function likeFunction(op: 'like' | 'ilike' | 'not like' | 'not ilike'): ScalarHandler {
  return (call, args, env) => {
    arity(call, args, 2);
    const [left, right] = call.args as [Expr, Expr];
    return compileCompare({ kind: 'compare', op, left, right, start: call.start, end: call.end }, env);
  };
}

function toStringValue(type: SqlType, v: Value): string {
  if (type === 'DateTime') return clickhouseDateTime(Number(v));
  if (type === 'Date') return isoDate(Number(v));
  return String(v);
}

const SCALAR_FUNCTION_TABLE: Record<string, ScalarHandler> = {
  toDate: (call, args) => {
    arity(call, args, 1);
    const arg = temporalArg(call, args);
    return derived(
      'Date',
      arg.nullable,
      (s) => {
        const v = arg.eval(s);
        return v === null ? null : startOfDay(Number(v));
      },
      [arg],
    );
  },
  toDateTime: (call, args) => {
    arity(call, args, 1, 2);
    const zone = args[1];
    if (zone && !(zone.constant && zone.eval({ row: -1, keys: [], aggs: [] }) === 'UTC')) {
      queryError(
        `The sandbox project is in UTC; toDateTime's timezone argument must be 'UTC'`,
        call.args[1] as Expr,
      );
    }
    const arg = args[0] as Compiled;
    if (isNumeric(arg.type)) {
      return derived(
        'DateTime',
        arg.nullable,
        (s) => {
          const v = arg.eval(s);
          return v === null ? null : Math.trunc(Number(v)) * 1000;
        },
        [arg],
      );
    }
    const temporal = temporalArg(call, args);
    return derived('DateTime', temporal.nullable, temporal.eval, [temporal]);
  },
  toStartOfHour: truncation('DateTime', startOfHour),
  toStartOfDay: truncation('DateTime', startOfDay),
  toStartOfWeek: (call, args, env) => {
    arity(call, args, 1, 2);
    const mode = args[1];
    let mondayFirst = false;
    if (mode) {
      const value = mode.constant ? mode.eval({ row: -1, keys: [], aggs: [] }) : null;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 9) {
        queryError('toStartOfWeek mode must be a constant from 0 to 9', call.args[1] as Expr);
      }
      mondayFirst = value % 2 === 1;
    }
    return truncation('Date', (ms) => startOfWeek(ms, mondayFirst))(call, args.slice(0, 1), env);
  },
  toMonday: truncation('Date', (ms) => startOfWeek(ms, true)),
  toStartOfMonth: truncation('Date', startOfMonth),
  toStartOfQuarter: truncation('Date', startOfQuarter),
  toStartOfYear: truncation('Date', startOfYear),
  now: (call, args, env) => {
    arity(call, args, 0);
    return constantOf(env.now, 'DateTime');
  },
  today: (call, args, env) => {
    arity(call, args, 0);
    return constantOf(startOfDay(env.now), 'Date');
  },
  lower: textCase((s) => s.toLowerCase()),
  upper: textCase((s) => s.toUpperCase()),
  toString: (call: ExprOf<'call'>, args: Compiled[]): Compiled => {
    arity(call, args, 1);
    const arg = args[0] as Compiled;
    return derived(
      'String',
      arg.nullable,
      (s) => {
        const v = arg.eval(s);
        return v === null ? null : toStringValue(arg.type, v);
      },
      [arg],
    );
  },
  toInt: numberParse('Int'),
  toFloat: numberParse('Float'),
  coalesce: (call: ExprOf<'call'>, args: Compiled[]): Compiled => {
    if (args.length === 0) queryError('Function coalesce needs at least one argument', call);
    const typed = args.filter((a) => a.type !== 'Null');
    const type: SqlType = typed[0]?.type ?? 'Null';
    for (const a of typed) {
      const compatible =
        a.type === type || (isNumeric(a.type) && isNumeric(type)) || (isText(a.type) && isText(type));
      if (!compatible) queryError(`coalesce arguments have different types (${type}, ${a.type})`, call);
    }
    return derived(
      type,
      args.every((a) => a.nullable),
      (s) => {
        for (const a of args) {
          const v = a.eval(s);
          if (v !== null) return v;
        }
        return null;
      },
      args,
    );
  },
  like: likeFunction('like'),
  ilike: likeFunction('ilike'),
  notLike: likeFunction('not like'),
  notILike: likeFunction('not ilike'),
};

/** A Map, so names such as `constructor` never reach Object.prototype. */
export const SCALAR_FUNCTIONS: ReadonlyMap<string, ScalarHandler> = new Map(
  Object.entries(SCALAR_FUNCTION_TABLE),
);
