import { createHash } from 'node:crypto';
import type { ContactRecord, Dataset, PersonRecord } from '../data/dataset.js';
import { eventUuid } from '../data/generate.js';
import { propertyText, type EventsSource, type ExtraEvent } from './hogql/source.js';

/** The site the simulated events happened on; `$current_url` is this origin plus the page path. */
export const SITE_ORIGIN = 'https://app.concord.example';
export const EVENT_LIB = 'web';

/** A person's properties: the linked CRM contact's email and full name. */
export function personProperties(contact: ContactRecord): Record<string, string> {
  return { email: contact.email, name: `${contact.firstName} ${contact.lastName}` };
}

/**
 * The PostHog view of the data set, built once per simulator: distinct ids, lookups and event properties.
 * Purchases carry `amount` in integer cents (the data set's value); other events have no `amount`.
 */
export class PostHogModel implements EventsSource {
  readonly table;
  /** Captured events, in timestamp order (ties in arrival order); row `table.count + i` is `extra[i]`. */
  readonly extra: ExtraEvent[] = [];
  private readonly extraUuids = new Set<string>();
  /** Newest captured event time per seeded person, so `last_seen_at` follows capture. */
  private readonly extraLastSeen = new Map<number, number>();
  readonly distinctIds: string[];
  readonly personUuids: string[];
  /** Person properties, changed by captured `$set`, `$set_once` and `$unset` as PostHog's ingestion does. */
  private readonly personProps: Record<string, unknown>[];
  /** Distinct ids linked to a seeded person after the seed (`alias`, `identify` with an anonymous id). */
  private readonly linkedIds = new Map<number, string[]>();
  private readonly byDistinctId = new Map<string, number>();
  private readonly byEmail = new Map<string, number>();
  private readonly byUuid = new Map<string, number>();
  private readonly purchase: number;

  constructor(readonly dataset: Dataset) {
    this.table = dataset.events;
    const contactOf = (p: PersonRecord): ContactRecord => dataset.contacts[p.contact] as ContactRecord;
    this.distinctIds = dataset.persons.map((p) => contactOf(p).crmId);
    this.personUuids = dataset.persons.map((p) => p.uuid);
    this.personProps = dataset.persons.map((p) => personProperties(contactOf(p)));
    dataset.persons.forEach((p, i) => {
      this.byDistinctId.set(contactOf(p).crmId, i);
      this.byEmail.set(contactOf(p).email, i);
      this.byUuid.set(p.uuid, i);
    });
    this.purchase = this.table.names.indexOf('purchase');
  }

  /**
   * Adds a captured event where queries and the events list see it, as PostHog's ingestion does.
   * PostHog dedupes events by uuid, so a second event with a uuid already seen is dropped (false).
   * Cost is a binary search and an array insert: the seeded columnar table is never rebuilt.
   */
  capture(input: {
    uuid: string;
    event: string;
    distinctId: string;
    timestamp: number;
    properties: Record<string, unknown>;
  }): boolean {
    if (this.extraUuids.has(input.uuid)) return false;
    this.extraUuids.add(input.uuid);
    this.processPerson(input);
    const person = this.personIndexOf(input.distinctId) ?? -1;
    const event: ExtraEvent = {
      ...input,
      person,
      personUuid: person >= 0 ? (this.personUuids[person] as string) : derivedPersonUuid(input.distinctId),
    };
    let lo = 0;
    let hi = this.extra.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.extra[mid] as ExtraEvent).timestamp <= event.timestamp) lo = mid + 1;
      else hi = mid;
    }
    this.extra.splice(lo, 0, event);
    if (person >= 0 && event.timestamp > (this.extraLastSeen.get(person) ?? Number.NEGATIVE_INFINITY)) {
      this.extraLastSeen.set(person, event.timestamp);
    }
    return true;
  }

  /**
   * Person processing for seeded persons: `$create_alias` (`alias`) and `$identify` (with
   * `$anon_distinct_id`) link a new distinct id to the person the other id belongs to; `$set`,
   * `$set_once` and `$unset` on any event change that person's properties. A distinct id no person
   * has does not create one here (PostHog would), so the persons list shows seeded persons only.
   */
  private processPerson(input: {
    event: string;
    distinctId: string;
    properties: Record<string, unknown>;
  }): void {
    const other =
      input.event === '$create_alias'
        ? input.properties.alias
        : input.event === '$identify'
          ? input.properties.$anon_distinct_id
          : undefined;
    if (typeof other === 'string' && other !== '') {
      const mine = this.personIndexOf(input.distinctId);
      const theirs = this.personIndexOf(other);
      if (mine !== undefined && theirs === undefined) this.link(mine, other);
      else if (theirs !== undefined && mine === undefined) this.link(theirs, input.distinctId);
    }
    const person = this.personIndexOf(input.distinctId);
    const props = person === undefined ? undefined : this.personProps[person];
    if (!props) return;
    const { $set, $set_once, $unset } = input.properties;
    if (isRecord($set_once)) for (const [k, v] of Object.entries($set_once)) if (!(k in props)) props[k] = v;
    if (isRecord($set)) Object.assign(props, $set);
    if (Array.isArray($unset))
      for (const k of $unset) if (typeof k === 'string') Reflect.deleteProperty(props, k);
  }

  private link(person: number, distinctId: string): void {
    this.byDistinctId.set(distinctId, person);
    this.linkedIds.set(person, [...(this.linkedIds.get(person) ?? []), distinctId]);
  }

  /** Every distinct id of a person: the seeded one, then those linked since. */
  distinctIdsOf(person: number): string[] {
    return [this.distinctIds[person] as string, ...(this.linkedIds.get(person) ?? [])];
  }

  /** The captured event at `row`, or undefined for a seeded row. */
  extraAt(row: number): ExtraEvent | undefined {
    return row >= this.table.count ? this.extra[row - this.table.count] : undefined;
  }

  eventTimestamp(row: number): number {
    return this.extraAt(row)?.timestamp ?? (this.table.timestamp[row] as number);
  }

  eventDistinctId(row: number): string {
    return this.extraAt(row)?.distinctId ?? this.distinctIds[this.table.person[row] as number] ?? '';
  }

  personIndexOf(distinctId: string): number | undefined {
    return this.byDistinctId.get(distinctId);
  }

  personIndexOfEmail(email: string): number | undefined {
    return this.byEmail.get(email);
  }

  personIndexOfUuid(uuid: string): number | undefined {
    return this.byUuid.get(uuid);
  }

  eventUuid(row: number): string {
    return this.extraAt(row)?.uuid ?? eventUuid(this.table, row);
  }

  eventName(row: number): string {
    return this.extraAt(row)?.event ?? this.table.names[this.table.name[row] as number] ?? '';
  }

  /** The event's properties as PostHog stores them (numbers stay numbers). */
  eventProperties(row: number): Record<string, unknown> {
    const extra = this.extraAt(row);
    if (extra) return extra.properties;
    const path = this.table.urls[this.table.url[row] as number] ?? '/';
    const properties: Record<string, string | number> = {
      $current_url: `${SITE_ORIGIN}${path}`,
      $pathname: path,
      $browser: this.table.browsers[this.table.browser[row] as number] ?? '',
      $lib: EVENT_LIB,
    };
    if (this.table.name[row] === this.purchase) properties.amount = this.table.value[row] as number;
    return properties;
  }

  property(row: number, name: string): string | null {
    const extra = this.extraAt(row);
    if (extra) return propertyText(extra.properties[name]);
    const value = this.eventProperties(row)[name] as string | number | undefined;
    return value === undefined ? null : String(value);
  }

  propertiesJson(row: number): string {
    return JSON.stringify(this.eventProperties(row));
  }

  personProperty(person: number, name: string): string | null {
    return propertyText(this.personProps[person]?.[name]);
  }

  personPropertiesOf(person: number): Record<string, unknown> {
    return { ...this.personProps[person] };
  }

  /** The newest event time of a person, or null for a person without events. */
  lastSeen(person: number): number | null {
    const { personStart, byPerson, timestamp } = this.table;
    const end = personStart[person + 1] as number;
    const seeded = end === personStart[person] ? null : (timestamp[byPerson[end - 1] as number] as number);
    const captured = this.extraLastSeen.get(person);
    if (captured === undefined) return seeded;
    return seeded === null ? captured : Math.max(seeded, captured);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A stable person uuid for a distinct id no seeded person has (PostHog would create that person). */
function derivedPersonUuid(distinctId: string): string {
  const hex = createHash('sha256').update(`posthog-person:${distinctId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[parseInt(hex[16] ?? '0', 16) & 3]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
