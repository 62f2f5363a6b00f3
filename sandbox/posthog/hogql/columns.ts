import type { Compiled } from './compile.js';
import type { EventsSource, ExtraEvent, SqlType } from './source.js';

/** The columns of `events` the sandbox knows, as PostHog's HogQL database exposes them. */
export type Column =
  | { name: 'uuid' | 'event' | 'distinct_id' | 'timestamp' | 'person_id' | 'properties' | 'elements_chain' }
  | { name: 'property'; key: string }
  | { name: 'personProperty'; key: string };

const PLAIN = new Set([
  'uuid',
  'event',
  'distinct_id',
  'timestamp',
  'person_id',
  'properties',
  'elements_chain',
]);

/** Resolves a dotted field (`e.properties.$browser`) to a column, or null when events has no such field. */
export function resolveColumn(chain: readonly string[], tableAlias: string | null): Column | null {
  let parts = chain;
  if (parts.length > 1 && (parts[0] === tableAlias || parts[0] === 'events')) parts = parts.slice(1);
  const [head, second, third] = parts;
  if (parts.length === 1 && head && PLAIN.has(head)) return { name: head } as Column;
  if (parts.length === 2 && head === 'properties' && second) return { name: 'property', key: second };
  if (parts.length === 3 && head === 'person' && second === 'properties' && third) {
    return { name: 'personProperty', key: third };
  }
  return null;
}

function column(type: SqlType, nullable: boolean, evaluate: Compiled['eval']): Compiled {
  return { type, nullable, constant: false, eval: evaluate };
}

export function compileColumn(col: Column, source: EventsSource): Compiled {
  const { table, distinctIds, personUuids, extra } = source;
  // Rows past the columnar table are captured events (`extra`); one comparison picks the side.
  const n = table.count;
  const at = (row: number): ExtraEvent => extra[row - n] as ExtraEvent;
  switch (col.name) {
    case 'uuid':
      return column('UUID', false, (s) => source.eventUuid(s.row));
    case 'event':
      return column('String', false, (s) =>
        s.row < n ? (table.names[table.name[s.row] as number] ?? '') : at(s.row).event,
      );
    case 'distinct_id':
      return column('String', false, (s) =>
        s.row < n ? (distinctIds[table.person[s.row] as number] ?? '') : at(s.row).distinctId,
      );
    case 'timestamp':
      return column('DateTime', false, (s) =>
        s.row < n ? (table.timestamp[s.row] as number) : at(s.row).timestamp,
      );
    case 'person_id':
      return column('UUID', false, (s) =>
        s.row < n ? (personUuids[table.person[s.row] as number] ?? '') : at(s.row).personUuid,
      );
    case 'properties':
      return column('String', false, (s) => source.propertiesJson(s.row));
    case 'elements_chain':
      return column('String', false, () => '');
    case 'property':
      return column('String', true, (s) => source.property(s.row, col.key));
    case 'personProperty':
      return column('String', true, (s) =>
        source.personProperty(s.row < n ? (table.person[s.row] as number) : at(s.row).person, col.key),
      );
  }
}
