import { canonicalId } from '../ids.js';
import { formatDateTime, type FieldValue, type SfRecord } from '../records.js';
import {
  childRelationshipNamed,
  fieldNamed,
  relationshipNamed,
  sobjectNamed,
  type ChildRelationship,
  type FieldDef,
  type SObjectDef,
} from '../schema.js';
import type { SalesforceStore } from '../store.js';
import type { CompareOp, Condition, Literal, OrderItem, SelectItem, SoqlQuery } from './ast.js';
import { dateLiteralRange } from './dates.js';
import { SoqlSyntaxError, queryProblem, unsupported } from './errors.js';
import { parseSoql } from './parser.js';

/** Salesforce's OFFSET ceiling (FACTS §7.2). */
export const MAX_OFFSET = 2000;
/** Dot levels a parent path may climb. */
const MAX_PARENT_LEVELS = 5;

export interface RunOptions {
  /** queryAll: Recycle Bin rows too (IsDeleted = true). */
  includeDeleted: boolean;
  /** The instant date literals are resolved at. */
  now: number;
  /** API version of the request, for `attributes.url`. */
  version: string;
}

export type RenderedRecord = Record<string, unknown>;

export interface QueryResult {
  totalSize: number;
  records: RenderedRecord[];
}

/** How values of a field compare: text case-insensitively, ids by their 18-character form. */
type ValueKind = 'text' | 'id' | 'number' | 'boolean' | 'date' | 'datetime';

function kindOf(field: FieldDef): ValueKind {
  switch (field.type) {
    case 'id':
    case 'reference':
      return 'id';
    case 'boolean':
      return 'boolean';
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      return 'number';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    default:
      return 'text';
  }
}

/** SOQL's type names in its filter messages. */
const TYPE_WORD: Record<ValueKind, string> = {
  text: 'string',
  id: 'id',
  number: 'double',
  boolean: 'boolean',
  date: 'date',
  datetime: 'dateTime',
};

type Comparable = string | number | boolean;
type Operand =
  | { kind: 'null' }
  | { kind: 'value'; value: Comparable }
  | { kind: 'range'; start: Comparable; end: Comparable };

interface ResolvedPath {
  /** Reference fields to follow, then the field read. */
  hops: FieldDef[];
  field: FieldDef;
  /** Relationship names then the field name, as the response keys them. */
  keys: string[];
}

type Predicate = (record: SfRecord) => boolean;

interface PlannedChild {
  key: string;
  relationship: ChildRelationship;
  plan: Plan;
}

interface Plan {
  sobject: SObjectDef;
  fields: ResolvedPath[];
  children: PlannedChild[];
  count: boolean;
  where: Predicate;
  order: { path: ResolvedPath; descending: boolean; nullsLast: boolean }[];
  limit: number | null;
  offset: number;
}

function normalise(kind: ValueKind, value: FieldValue): Comparable | null {
  if (value === null) return null;
  if (kind === 'text') return String(value).toLowerCase();
  if (kind === 'id') return canonicalId(String(value)) ?? String(value);
  return value;
}

function isoDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

class Planner {
  constructor(
    private readonly source: string,
    private readonly store: SalesforceStore,
    private readonly options: RunOptions,
  ) {}

  plan(query: SoqlQuery, sobject: SObjectDef, nested: boolean): Plan {
    const counts = query.select.filter((item) => item.kind === 'count');
    if (counts.length > 0 && (query.select.length > 1 || nested)) {
      throw unsupported(
        this.source,
        (counts[0] as SelectItem).at,
        'COUNT() beside other fields or in a subquery',
      );
    }
    const fields: ResolvedPath[] = [];
    const children: PlannedChild[] = [];
    for (const item of query.select) {
      if (item.kind === 'field') fields.push(this.resolve(sobject, item.path, item.at));
      else if (item.kind === 'subquery') children.push(this.child(sobject, item.query));
    }
    if (query.offset !== null && query.offset > MAX_OFFSET) {
      throw queryProblem(
        this.source,
        query.fromAt,
        'NUMBER_OUTSIDE_VALID_RANGE',
        `Maximum SOQL offset allowed is ${MAX_OFFSET}`,
      );
    }
    return {
      sobject,
      fields,
      children,
      count: counts.length > 0,
      where: query.where ? this.condition(sobject, query.where) : () => true,
      order: query.orderBy.map((item: OrderItem) => ({
        path: this.resolve(sobject, item.path, item.at),
        descending: item.descending,
        nullsLast: item.nullsLast,
      })),
      limit: query.limit,
      offset: query.offset ?? 0,
    };
  }

  private child(parent: SObjectDef, query: SoqlQuery): PlannedChild {
    const relationship = childRelationshipNamed(parent, query.from);
    if (!relationship) {
      throw queryProblem(
        this.source,
        query.fromAt,
        'INVALID_TYPE',
        `Didn't understand relationship '${query.from}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    return {
      key: relationship.relationshipName,
      relationship,
      plan: this.plan(query, this.store.sobjects[relationship.childSObject], true),
    };
  }

  resolve(sobject: SObjectDef, rawPath: string[], at: number): ResolvedPath {
    let path = rawPath;
    // `Contact.Email` in a query FROM Contact names the object itself.
    if (
      path.length > 1 &&
      path[0]?.toLowerCase() === sobject.name.toLowerCase() &&
      !relationshipNamed(sobject, path[0])
    ) {
      path = path.slice(1);
    }
    if (path.length - 1 > MAX_PARENT_LEVELS) {
      throw unsupported(this.source, at, `a field path of more than ${MAX_PARENT_LEVELS} relationships`);
    }
    const hops: FieldDef[] = [];
    const keys: string[] = [];
    let current = sobject;
    for (const name of path.slice(0, -1)) {
      const reference = relationshipNamed(current, name);
      if (!reference?.referenceTo || !reference.relationshipName) {
        throw queryProblem(
          this.source,
          at,
          'INVALID_FIELD',
          `Didn't understand relationship '${name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      hops.push(reference);
      keys.push(reference.relationshipName);
      current = this.store.sobjects[reference.referenceTo];
    }
    const name = path.at(-1) as string;
    const field = fieldNamed(current, name);
    if (!field) {
      throw queryProblem(
        this.source,
        at,
        'INVALID_FIELD',
        `No such column '${name}' on entity '${current.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    keys.push(field.name);
    return { hops, field, keys };
  }

  private condition(sobject: SObjectDef, condition: Condition): Predicate {
    switch (condition.kind) {
      case 'and': {
        const items = condition.items.map((c) => this.condition(sobject, c));
        return (r) => items.every((p) => p(r));
      }
      case 'or': {
        const items = condition.items.map((c) => this.condition(sobject, c));
        return (r) => items.some((p) => p(r));
      }
      case 'not': {
        const inner = this.condition(sobject, condition.item);
        return (r) => !inner(r);
      }
      case 'compare': {
        const path = this.resolve(sobject, condition.path, condition.at);
        const kind = kindOf(path.field);
        if (kind === 'boolean' && condition.op !== '=' && condition.op !== '!=') {
          throw this.filterProblem(condition.at, 'invalid operator on boolean field');
        }
        const operand = this.operand(path.field, condition.value, condition.at);
        const op = condition.op;
        return (r) => matches(normalise(kind, this.read(r, path)), op, operand);
      }
      case 'like': {
        const path = this.resolve(sobject, condition.path, condition.at);
        if (kindOf(path.field) !== 'text') {
          throw this.filterProblem(
            condition.at,
            `invalid operator on ${TYPE_WORD[kindOf(path.field)]} field`,
          );
        }
        const regex = likeRegex(condition.pattern);
        return (r) => {
          const value = this.read(r, path);
          return value !== null && regex.test(String(value));
        };
      }
      case 'in': {
        const path = this.resolve(sobject, condition.path, condition.at);
        const kind = kindOf(path.field);
        let members: (r: Comparable | null) => boolean;
        if (Array.isArray(condition.values)) {
          const operands = condition.values.map((v) => this.operand(path.field, v, condition.at));
          members = (value) => operands.some((o) => matches(value, '=', o));
        } else {
          if (kind !== 'id')
            throw this.filterProblem(
              condition.at,
              'semi join sub-selects are only supported on id and reference fields',
            );
          const ids = this.semiJoin(condition.values);
          members = (value) => value !== null && ids().has(value as string);
        }
        const negated = condition.negated;
        return (r) => {
          const value = normalise(kind, this.read(r, path));
          return negated ? !members(value) : members(value);
        };
      }
    }
  }

  /** `Id IN (SELECT ContactId FROM OpportunityContactRole …)`: the selected ids, worked out once. */
  private semiJoin(query: SoqlQuery): () => Set<string> {
    const sobject = this.sobjectOf(query);
    const only = query.select[0];
    if (query.select.length !== 1 || only?.kind !== 'field') {
      throw unsupported(this.source, query.fromAt, 'a semi-join selecting anything but one id field');
    }
    const path = this.resolve(sobject, only.path, only.at);
    if (kindOf(path.field) !== 'id')
      throw this.filterProblem(only.at, 'semi join sub-selects must select an id or reference field');
    const plan = this.plan(query, sobject, true);
    let cache: Set<string> | null = null;
    return () => {
      cache ??= new Set(
        select(this.store, plan, this.options, this.store.all(sobject.name, this.options.includeDeleted))
          .map((r) => normalise('id', this.read(r, path)))
          .filter((v): v is string => typeof v === 'string'),
      );
      return cache;
    };
  }

  sobjectOf(query: SoqlQuery): SObjectDef {
    const sobject = sobjectNamed(query.from, this.store.sobjects);
    if (!sobject) {
      throw queryProblem(
        this.source,
        query.fromAt,
        'INVALID_TYPE',
        `sObject type '${query.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    return sobject;
  }

  private filterProblem(at: number, message: string) {
    return queryProblem(this.source, at, 'INVALID_QUERY_FILTER_OPERATOR', message);
  }

  /** A literal checked against the field's type, in the field's comparable form. */
  private operand(field: FieldDef, literal: Literal, at: number): Operand {
    const kind = kindOf(field);
    if (literal.kind === 'null') return { kind: 'null' };
    const wrongType = (): never => {
      const quoted = kind === 'text' || kind === 'id';
      throw this.filterProblem(
        at,
        `value of filter criterion for field '${field.name}' must be of type ${TYPE_WORD[kind]} and ${quoted ? 'should be enclosed in quotes' : 'should not be enclosed in quotes'}`,
      );
    };
    switch (kind) {
      case 'text':
        return literal.kind === 'string'
          ? { kind: 'value', value: literal.value.toLowerCase() }
          : wrongType();
      case 'id': {
        if (literal.kind !== 'string') return wrongType();
        const id = canonicalId(literal.value);
        if (!id) throw this.filterProblem(at, `invalid ID field: ${literal.value}`);
        return { kind: 'value', value: id };
      }
      case 'number':
        return literal.kind === 'number' ? { kind: 'value', value: literal.value } : wrongType();
      case 'boolean':
        return literal.kind === 'boolean' ? { kind: 'value', value: literal.value } : wrongType();
      case 'date':
        if (literal.kind === 'date') return { kind: 'value', value: literal.value };
        if (literal.kind === 'dateLiteral') {
          const range = dateLiteralRange(literal.name, literal.n, this.options.now);
          return { kind: 'range', start: isoDate(range.start), end: isoDate(range.end) };
        }
        return wrongType();
      case 'datetime':
        if (literal.kind === 'datetime') return { kind: 'value', value: literal.value };
        if (literal.kind === 'dateLiteral') {
          const range = dateLiteralRange(literal.name, literal.n, this.options.now);
          return { kind: 'range', start: range.start, end: range.end };
        }
        return wrongType();
    }
  }

  /** A field's value through its parent hops; null when a parent is missing. */
  read(record: SfRecord, path: ResolvedPath): FieldValue {
    let current: SfRecord | undefined = record;
    for (const hop of path.hops) {
      const id: FieldValue | undefined = current.fields[hop.name];
      current = typeof id === 'string' ? this.parent(id) : undefined;
      if (!current) return null;
    }
    return current.fields[path.field.name] ?? null;
  }

  parent(id: string): SfRecord | undefined {
    return this.store.get(id) ?? (this.options.includeDeleted ? this.store.getDeleted(id) : undefined);
  }
}

function matches(value: Comparable | null, op: CompareOp, operand: Operand): boolean {
  if (operand.kind === 'null') {
    if (op === '=') return value === null;
    if (op === '!=') return value !== null;
    return false;
  }
  if (op === '!=') return !matches(value, '=', operand);
  if (value === null) return false;
  if (operand.kind === 'range') {
    switch (op) {
      case '=':
        return value >= operand.start && value < operand.end;
      case '<':
        return value < operand.start;
      case '<=':
        return value < operand.end;
      case '>':
        return value >= operand.end;
      case '>=':
        return value >= operand.start;
    }
  }
  const other = operand.value;
  switch (op) {
    case '=':
      return value === other;
    case '<':
      return value < other;
    case '<=':
      return value <= other;
    case '>':
      return value > other;
    case '>=':
      return value >= other;
  }
}

/** LIKE: `%` any run, `_` one character, case-insensitive; `\%` and `\_` are literal. */
export function likeRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      out += pattern[i + 1];
      i++;
    } else if (ch === '%') out += '[\\s\\S]*';
    else if (ch === '_') out += '[\\s\\S]';
    else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'i');
}

function compareValues(
  a: Comparable | null,
  b: Comparable | null,
  descending: boolean,
  nullsLast: boolean,
): number {
  if (a === b) return 0;
  if (a === null) return nullsLast ? 1 : -1;
  if (b === null) return nullsLast ? -1 : 1;
  const order = a < b ? -1 : 1;
  return descending ? -order : order;
}

/** Filter, order, offset and limit over candidate rows (records come in id order). */
function select(store: SalesforceStore, plan: Plan, options: RunOptions, rows: SfRecord[]): SfRecord[] {
  const planner = new Planner('', store, options);
  let out = rows.filter(plan.where);
  if (plan.order.length > 0) {
    const keyed = out.map((record) => ({
      record,
      keys: plan.order.map((o) => normalise(kindOf(o.path.field), planner.read(record, o.path))),
    }));
    keyed.sort((x, y) => {
      for (let i = 0; i < plan.order.length; i++) {
        const o = plan.order[i] as Plan['order'][number];
        const c = compareValues(x.keys[i] ?? null, y.keys[i] ?? null, o.descending, o.nullsLast);
        if (c !== 0) return c;
      }
      return 0;
    });
    out = keyed.map((k) => k.record);
  }
  const end = plan.limit === null ? undefined : plan.offset + plan.limit;
  return out.slice(plan.offset, end);
}

function render(value: FieldValue, field: FieldDef): unknown {
  return field.type === 'datetime' && typeof value === 'number' ? formatDateTime(value) : value;
}

/** The `attributes` block every record carries. */
export function attributesOf(record: SfRecord, version: string): { type: string; url: string } {
  return { type: record.type, url: `/services/data/v${version}/sobjects/${record.type}/${record.id}` };
}

function renderRecord(
  planner: Planner,
  store: SalesforceStore,
  plan: Plan,
  record: SfRecord,
  options: RunOptions,
): RenderedRecord {
  const out: RenderedRecord = { attributes: attributesOf(record, options.version) };
  for (const path of plan.fields) {
    let target: RenderedRecord | null = out;
    let current: SfRecord | undefined = record;
    for (const [i, hop] of path.hops.entries()) {
      const key = path.keys[i] as string;
      const id: FieldValue | undefined = current?.fields[hop.name];
      current = typeof id === 'string' ? planner.parent(id) : undefined;
      if (!current) {
        if (!(key in target)) target[key] = null;
        target = null;
        break;
      }
      const existing: unknown = target[key];
      if (existing && typeof existing === 'object') target = existing as RenderedRecord;
      else {
        const next: RenderedRecord = { attributes: attributesOf(current, options.version) };
        target[key] = next;
        target = next;
      }
    }
    if (target && current)
      target[path.field.name] = render(current.fields[path.field.name] ?? null, path.field);
  }
  for (const child of plan.children) {
    const rows = select(
      store,
      child.plan,
      options,
      store.children(
        child.relationship.childSObject,
        child.relationship.field,
        record.id,
        options.includeDeleted,
      ),
    );
    out[child.key] =
      rows.length === 0
        ? null
        : {
            totalSize: rows.length,
            done: true,
            records: rows.map((row) => renderRecord(planner, store, child.plan, row, options)),
          };
  }
  return out;
}

/** Runs one SOQL statement over the store: every row it selects, rendered as the REST API returns them. */
export function runSoql(store: SalesforceStore, source: string, options: RunOptions): QueryResult {
  if (source.trim() === '') throw new SoqlSyntaxError(source, 0, "unexpected token: '<EOF>'");
  const query = parseSoql(source);
  const planner = new Planner(source, store, options);
  const sobject = planner.sobjectOf(query);
  const plan = planner.plan(query, sobject, false);
  const rows = select(store, plan, options, store.all(sobject.name, options.includeDeleted));
  if (plan.count) return { totalSize: rows.length, records: [] };
  return {
    totalSize: rows.length,
    records: rows.map((row) => renderRecord(planner, store, plan, row, options)),
  };
}
