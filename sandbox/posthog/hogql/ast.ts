/** The HogQL syntax tree. Every node keeps its character range so errors can point at it. */

export type ConstantValue = string | number | boolean | null;

interface Span {
  start: number;
  end: number;
}

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like' | 'ilike' | 'not like' | 'not ilike';
export type ArithOp = '+' | '-' | '*' | '/' | '%';
export type IntervalUnit = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

export type Expr =
  | (Span & { kind: 'constant'; value: ConstantValue })
  | (Span & { kind: 'field'; chain: string[] })
  | (Span & { kind: 'call'; name: string; args: Expr[]; distinct: boolean })
  | (Span & { kind: 'compare'; op: CompareOp; left: Expr; right: Expr })
  | (Span & { kind: 'in'; negated: boolean; left: Expr; items: Expr[] })
  | (Span & { kind: 'isNull'; negated: boolean; expr: Expr })
  | (Span & { kind: 'and'; exprs: Expr[] })
  | (Span & { kind: 'or'; exprs: Expr[] })
  | (Span & { kind: 'not'; expr: Expr })
  | (Span & { kind: 'negate'; expr: Expr })
  | (Span & { kind: 'arith'; op: ArithOp; left: Expr; right: Expr })
  | (Span & { kind: 'interval'; amount: Expr; unit: IntervalUnit })
  | (Span & { kind: 'placeholder'; name: string });

export type ExprOf<K extends Expr['kind']> = Extract<Expr, { kind: K }>;

export interface SelectItem {
  expr: Expr;
  alias: string | null;
}

export interface OrderItem {
  expr: Expr;
  descending: boolean;
}

export interface SelectQuery {
  select: SelectItem[];
  from: Span & { table: string; alias: string | null };
  where: Expr | null;
  groupBy: Expr[];
  having: Expr | null;
  orderBy: OrderItem[];
  limit: Expr | null;
  offset: Expr | null;
}
