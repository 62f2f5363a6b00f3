import type { ContactRecord, Dataset, PersonRecord } from '../data/dataset.js';
import { eventUuid } from '../data/generate.js';
import type { EventsSource } from './hogql/source.js';

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
  readonly distinctIds: string[];
  readonly personUuids: string[];
  private readonly personProps: Record<string, string>[];
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
    return eventUuid(this.table, row);
  }

  eventName(row: number): string {
    return this.table.names[this.table.name[row] as number] ?? '';
  }

  /** The event's properties as PostHog stores them (numbers stay numbers). */
  eventProperties(row: number): Record<string, string | number> {
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
    const value = this.eventProperties(row)[name];
    return value === undefined ? null : String(value);
  }

  propertiesJson(row: number): string {
    return JSON.stringify(this.eventProperties(row));
  }

  personProperty(person: number, name: string): string | null {
    return this.personProps[person]?.[name] ?? null;
  }

  personPropertiesOf(person: number): Record<string, string> {
    return { ...this.personProps[person] };
  }

  /** The newest event time of a person, or null for a person without events. */
  lastSeen(person: number): number | null {
    const { personStart, byPerson, timestamp } = this.table;
    const end = personStart[person + 1] as number;
    if (end === personStart[person]) return null;
    return timestamp[byPerson[end - 1] as number] as number;
  }
}
