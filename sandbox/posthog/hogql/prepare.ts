import type { ConstantValue, Expr, SelectQuery } from './ast.js';
import { queryError } from './compile.js';

/** Returns a replacement for a node, or undefined to rebuild it from rewritten children. */
type Visitor = (expr: Expr) => Expr | undefined;

function rewrite(expr: Expr, visit: Visitor): Expr {
  const replaced = visit(expr);
  if (replaced) return replaced;
  const r = (e: Expr): Expr => rewrite(e, visit);
  switch (expr.kind) {
    case 'call':
      return { ...expr, args: expr.args.map(r) };
    case 'compare':
    case 'arith':
      return { ...expr, left: r(expr.left), right: r(expr.right) };
    case 'in':
      return { ...expr, left: r(expr.left), items: expr.items.map(r) };
    case 'and':
    case 'or':
      return { ...expr, exprs: expr.exprs.map(r) };
    case 'not':
    case 'negate':
    case 'isNull':
      return { ...expr, expr: r(expr.expr) };
    case 'interval':
      return { ...expr, amount: r(expr.amount) };
    default:
      return expr;
  }
}

function mapQuery(query: SelectQuery, f: (e: Expr) => Expr): SelectQuery {
  return {
    ...query,
    select: query.select.map((s) => ({ ...s, expr: f(s.expr) })),
    where: query.where && f(query.where),
    groupBy: query.groupBy.map(f),
    having: query.having && f(query.having),
    orderBy: query.orderBy.map((o) => ({ ...o, expr: f(o.expr) })),
    limit: query.limit && f(query.limit),
    offset: query.offset && f(query.offset),
  };
}

function isConstantValue(value: unknown): value is ConstantValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** Replaces `{name}` with the request's `values`; a list may only fill an `IN {name}`. */
export function substitutePlaceholders(query: SelectQuery, values: Record<string, unknown>): SelectQuery {
  const lookup = (name: string, node: Expr): unknown => {
    if (!Object.hasOwn(values, name))
      queryError(`Unresolved placeholder {${name}}: add it to the query's values`, node);
    return values[name];
  };
  const constant = (value: unknown, node: Expr): Expr => {
    if (!isConstantValue(value) || (typeof value === 'number' && !Number.isFinite(value))) {
      return queryError(
        'Placeholder values must be strings, numbers, booleans, null or (for IN) lists of them',
        node,
      );
    }
    return { kind: 'constant', value, start: node.start, end: node.end };
  };
  const visit: Visitor = (expr) => {
    if (expr.kind === 'in' && expr.items.length === 1 && expr.items[0]?.kind === 'placeholder') {
      const holder = expr.items[0];
      const value = lookup(holder.name, holder);
      const items = Array.isArray(value)
        ? value.map((v: unknown) => constant(v, holder))
        : [constant(value, holder)];
      return { ...expr, left: rewrite(expr.left, visit), items };
    }
    if (expr.kind !== 'placeholder') return undefined;
    const value = lookup(expr.name, expr);
    if (Array.isArray(value))
      queryError(`Placeholder {${expr.name}} holds a list; use it as IN {${expr.name}}`, expr);
    return constant(value, expr);
  };
  return mapQuery(query, (e) => rewrite(e, visit));
}

/**
 * Inlines SELECT aliases wherever they are referenced (ClickHouse lets an alias shadow a column anywhere) and
 * turns GROUP BY / ORDER BY positions (`ORDER BY 2`) into the selected expression.
 */
export function inlineAliases(query: SelectQuery): SelectQuery {
  const aliases = new Map<string, Expr>();
  for (const item of query.select) {
    if (!item.alias) continue;
    if (aliases.has(item.alias)) queryError(`Alias '${item.alias}' is used more than once`, item.expr);
    aliases.set(item.alias, item.expr);
  }
  const inline = (expr: Expr, active: ReadonlySet<string>): Expr =>
    rewrite(expr, (e) => {
      if (e.kind !== 'field' || e.chain.length !== 1) return undefined;
      const name = e.chain[0] as string;
      const target = aliases.get(name);
      if (!target || active.has(name)) return undefined;
      return inline(target, new Set([...active, name]));
    });
  const positional = (expr: Expr, clause: string): Expr => {
    if (expr.kind !== 'constant' || typeof expr.value !== 'number') return inline(expr, new Set());
    const item = query.select[expr.value - 1];
    if (!Number.isInteger(expr.value) || !item) {
      queryError(
        `${clause} position ${expr.value} is out of range: the query selects ${query.select.length} column(s)`,
        expr,
      );
    }
    return inline(item.expr, new Set(item.alias ? [item.alias] : []));
  };
  return {
    ...query,
    select: query.select.map((s) => ({ ...s, expr: inline(s.expr, new Set(s.alias ? [s.alias] : [])) })),
    where: query.where && inline(query.where, new Set()),
    groupBy: query.groupBy.map((g) => positional(g, 'GROUP BY')),
    having: query.having && inline(query.having, new Set()),
    orderBy: query.orderBy.map((o) => ({ ...o, expr: positional(o.expr, 'ORDER BY') })),
  };
}
