/** A SOQL statement of the subset the twin runs (see `SUPPORTED` in parser.ts). */
export interface SoqlQuery {
  /** The FROM name as written (an sObject, or a child relationship inside a subquery). */
  from: string;
  select: SelectItem[];
  where: Condition | null;
  orderBy: OrderItem[];
  limit: number | null;
  offset: number | null;
  /** Where each part starts in the statement, for Salesforce's "Row:1:Column:n" messages. */
  fromAt: number;
}

export type SelectItem =
  | { kind: 'field'; path: string[]; at: number }
  | { kind: 'subquery'; query: SoqlQuery; at: number }
  | { kind: 'count'; at: number };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; path: string[]; op: CompareOp; value: Literal; at: number }
  | { kind: 'in'; path: string[]; negated: boolean; values: Literal[] | SoqlQuery; at: number }
  | { kind: 'like'; path: string[]; pattern: string; at: number };

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; value: string }
  | { kind: 'datetime'; value: number }
  | { kind: 'dateLiteral'; name: string; n: number | null; text: string };

export interface OrderItem {
  path: string[];
  descending: boolean;
  /** Salesforce puts nulls first ascending and last descending unless told. */
  nullsLast: boolean;
  at: number;
}
