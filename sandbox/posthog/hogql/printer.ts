import type { ConstantValue, Expr, SelectQuery } from './ast.js';

const SAFE_IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** HogQL text for a constant, quoted and escaped as HogQL reads it back. */
export function printConstant(value: ConstantValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function printIdentifier(name: string): string {
  return SAFE_IDENTIFIER.test(name) ? name : `\`${name.replace(/`/g, '\\`')}\``;
}

/** Canonical HogQL text of an expression; two expressions are the same when their texts are. */
export function printExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'constant':
      return printConstant(expr.value);
    case 'field':
      return expr.chain.map(printIdentifier).join('.');
    case 'placeholder':
      return `{${expr.name}}`;
    case 'call':
      return `${expr.name}(${expr.distinct ? 'DISTINCT ' : ''}${expr.args.map(printExpr).join(', ')})`;
    case 'compare':
      return `${printOperand(expr.left)} ${expr.op.toUpperCase()} ${printOperand(expr.right)}`;
    case 'in':
      return `${printOperand(expr.left)} ${expr.negated ? 'NOT IN' : 'IN'} (${expr.items.map(printExpr).join(', ')})`;
    case 'isNull':
      return `${printOperand(expr.expr)} IS ${expr.negated ? 'NOT ' : ''}NULL`;
    case 'and':
      return expr.exprs.map(printOperand).join(' AND ');
    case 'or':
      return expr.exprs.map(printOperand).join(' OR ');
    case 'not':
      return `NOT ${printOperand(expr.expr)}`;
    case 'negate':
      return `-${printOperand(expr.expr)}`;
    case 'arith':
      return `${printOperand(expr.left)} ${expr.op} ${printOperand(expr.right)}`;
    case 'interval':
      return `INTERVAL ${printOperand(expr.amount)} ${expr.unit.toUpperCase()}`;
  }
}

/** Compound operands get parentheses so the printed text parses back to the same tree. */
function printOperand(expr: Expr): string {
  const text = printExpr(expr);
  const compound = ['compare', 'in', 'isNull', 'and', 'or', 'not', 'arith'].includes(expr.kind);
  return compound ? `(${text})` : text;
}

/** The query as HogQL, with the LIMIT that was applied, as PostHog echoes it in `hogql`. */
export function printQuery(query: SelectQuery, limit: number, offset: number): string {
  const parts = [
    `SELECT ${query.select.map((s) => (s.alias ? `${printExpr(s.expr)} AS ${printIdentifier(s.alias)}` : printExpr(s.expr))).join(', ')}`,
  ];
  parts.push(
    `FROM ${printIdentifier(query.from.table)}${query.from.alias ? ` AS ${printIdentifier(query.from.alias)}` : ''}`,
  );
  if (query.where) parts.push(`WHERE ${printExpr(query.where)}`);
  if (query.groupBy.length > 0) parts.push(`GROUP BY ${query.groupBy.map(printExpr).join(', ')}`);
  if (query.having) parts.push(`HAVING ${printExpr(query.having)}`);
  if (query.orderBy.length > 0) {
    parts.push(
      `ORDER BY ${query.orderBy.map((o) => `${printExpr(o.expr)} ${o.descending ? 'DESC' : 'ASC'}`).join(', ')}`,
    );
  }
  parts.push(`LIMIT ${limit}`);
  if (offset > 0) parts.push(`OFFSET ${offset}`);
  return parts.join(' ');
}
