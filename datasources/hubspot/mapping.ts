import type {
  Company,
  Contact,
  ContactChanges,
  Deal,
  DealStatus,
  MoneyValue,
  ProviderRef,
} from '../model.js';
import { minorUnitExponent } from '../money.js';
import type { CompanyObject, ContactObject, DealObject, HubSpotObjectType, LinkedObject } from './wire.js';

/** What mapping needs to know about the account that the JSON itself does not say. */
export interface MappingOptions {
  /** The portal (hub) id; without it no UI link can be built. */
  portalId: string | null;
  /** HubSpot's app origin; EU portals live on app-eu1.hubspot.com. */
  appUrl: string;
  /** The account's company currency, which HubSpot applies to deals without `deal_currency_code`. */
  defaultCurrency: string;
  /** Stage ids that mean won or lost: custom pipelines use their own ids for their closed stages. */
  wonStages: ReadonlySet<string>;
  lostStages: ReadonlySet<string>;
}

export const DEFAULT_MAPPING_OPTIONS: MappingOptions = {
  portalId: null,
  appUrl: 'https://app.hubspot.com',
  defaultCurrency: 'USD',
  wonStages: new Set(['closedwon']),
  lostStages: new Set(['closedlost']),
};

export const PROVIDER_NAME = 'hubspot';

/** HubSpot's object type ids, which its record URLs use. */
const OBJECT_TYPE_IDS: Record<HubSpotObjectType, string> = {
  contacts: '0-1',
  companies: '0-2',
  deals: '0-3',
};

/** Blank strings are how HubSpot says "unset" as often as null is. */
export function textOrNull(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.trim() === '' ? null : value;
}

const EPOCH_MS = /^-?\d{1,15}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * HubSpot dates: system datetimes come as ISO strings, date and datetime properties set through
 * the API as epoch-millisecond strings. Anything else is null rather than a guess by Date.parse.
 */
export function parseHubSpotDate(value: string | null | undefined): Date | null {
  const text = textOrNull(value)?.trim();
  if (text === undefined) return null;
  const ms = EPOCH_MS.test(text) ? Number(text) : ISO_DATE.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?$/;

/** Rounds `digits / 10^places` to an integer, halves away from zero. */
function shiftDown(digits: bigint, places: number): bigint {
  const divisor = 10n ** BigInt(places);
  const quotient = digits / divisor;
  return (digits % divisor) * 2n >= divisor ? quotient + 1n : quotient;
}

/**
 * A decimal string in major units to integer minor units, in bigint arithmetic so that no amount
 * passes through a float. Digits finer than the currency's minor unit round half away from zero.
 */
export function parseDecimalMoney(amount: string | null | undefined, currency: string): MoneyValue | null {
  const text = textOrNull(amount)?.trim();
  if (text === undefined) return null;
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  if (whole === '' && fraction === '') return null;
  const digits = BigInt(`${whole}${fraction}` || '0');
  const shift = minorUnitExponent(currency) - fraction.length + Number(exponent);
  const minor = shift >= 0 ? digits * 10n ** BigInt(shift) : shiftDown(digits, -shift);
  return { minor: sign === '-' ? -minor : minor, currency: currency.toUpperCase() };
}

const CURRENCY_CODE = /^[A-Za-z]{3}$/;

/** The deal's currency, or the account's when the deal names none (HubSpot's own rule). */
export function dealCurrency(code: string | null | undefined, options: MappingOptions): string {
  const text = textOrNull(code)?.trim();
  return text !== undefined && CURRENCY_CODE.test(text)
    ? text.toUpperCase()
    : options.defaultCurrency.toUpperCase();
}

export function dealStatusOf(stage: string | null | undefined, options: MappingOptions): DealStatus {
  if (stage === null || stage === undefined) return 'OPEN';
  if (options.wonStages.has(stage)) return 'WON';
  if (options.lostStages.has(stage)) return 'LOST';
  return 'OPEN';
}

export function recordUrl(type: HubSpotObjectType, id: string, options: MappingOptions): string | null {
  if (options.portalId === null) return null;
  const app = options.appUrl.replace(/\/$/, '');
  return `${app}/contacts/${encodeURIComponent(options.portalId)}/record/${OBJECT_TYPE_IDS[type]}/${encodeURIComponent(id)}`;
}

export function hubspotRef(type: HubSpotObjectType, id: string, options: MappingOptions): ProviderRef {
  return { domain: 'CRM', provider: PROVIDER_NAME, externalId: id, url: recordUrl(type, id, options) };
}

/** A whole non-negative count, or null for blanks, fractions and junk. */
export function parseCount(value: string | null | undefined): number | null {
  const text = textOrNull(value)?.trim();
  if (text === undefined || !/^\d+(?:\.0*)?$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * The object's own `createdAt` is required by HubSpot's schema (and checked by the client), so
 * it backs up a missing or unreadable `createdate` property.
 */
function createdAtOf(createdate: string | null | undefined, createdAt: string): Date {
  return parseHubSpotDate(createdate) ?? parseHubSpotDate(createdAt) ?? new Date(Number.NaN);
}

export function mapContact(obj: ContactObject, options: MappingOptions): Contact {
  const p = obj.properties;
  return {
    id: obj.id,
    firstName: textOrNull(p.firstname),
    lastName: textOrNull(p.lastname),
    email: textOrNull(p.email),
    phone: textOrNull(p.phone),
    jobTitle: textOrNull(p.jobtitle),
    lifecycleStage: textOrNull(p.lifecyclestage),
    companyId: textOrNull(p.associatedcompanyid),
    createdAt: createdAtOf(p.createdate, obj.createdAt),
    updatedAt: parseHubSpotDate(p.lastmodifieddate) ?? parseHubSpotDate(obj.updatedAt),
    ref: hubspotRef('contacts', obj.id, options),
  };
}

export function mapCompany(obj: CompanyObject, options: MappingOptions): Company {
  const p = obj.properties;
  return {
    id: obj.id,
    name: textOrNull(p.name),
    domain: textOrNull(p.domain),
    industry: textOrNull(p.industry),
    city: textOrNull(p.city),
    country: textOrNull(p.country),
    employeeCount: parseCount(p.numberofemployees),
    createdAt: createdAtOf(p.createdate, obj.createdAt),
    ref: hubspotRef('companies', obj.id, options),
  };
}

/** The primary association when HubSpot marks one (deal→company), else the first listed. */
export function primaryOrFirst(linked: readonly LinkedObject[] | undefined): string | null {
  if (!linked || linked.length === 0) return null;
  return (linked.find((l) => l.primary) ?? linked[0])?.id ?? null;
}

export interface DealLinks {
  contacts: readonly LinkedObject[] | undefined;
  companies: readonly LinkedObject[] | undefined;
}

/** `links` only when HubSpot sent the associations with the deal (plain lists); otherwise parties load later. */
export function mapDeal(obj: DealObject, links: DealLinks | null, options: MappingOptions): Deal {
  const p = obj.properties;
  const stage = textOrNull(p.dealstage);
  return {
    id: obj.id,
    name: textOrNull(p.dealname),
    amount: parseDecimalMoney(p.amount, dealCurrency(p.deal_currency_code, options)),
    status: dealStatusOf(stage, options),
    stage: stage ?? '',
    closeDate: parseHubSpotDate(p.closedate),
    createdAt: createdAtOf(p.createdate, obj.createdAt),
    parties: links
      ? { contactId: primaryOrFirst(links.contacts), companyId: primaryOrFirst(links.companies) }
      : null,
    ref: hubspotRef('deals', obj.id, options),
  };
}

// ---- writes --------------------------------------------------------------------------------------

/** The HubSpot property behind each writable contact field. */
export const CONTACT_PROPERTIES: Readonly<Record<keyof ContactChanges, string>> = {
  firstName: 'firstname',
  lastName: 'lastname',
  email: 'email',
  phone: 'phone',
  jobTitle: 'jobtitle',
};

/** Model field names for the properties Concord writes, for errors that name a property. */
const MODEL_FIELDS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(CONTACT_PROPERTIES).map(([field, property]) => [property, field])),
  dealstage: 'stage',
};

/** Only the fields given; null becomes "", which is how HubSpot clears a property. */
export function contactProperties(changes: ContactChanges): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [field, property] of Object.entries(CONTACT_PROPERTIES)) {
    const value = changes[field as keyof ContactChanges];
    if (value !== undefined) properties[property] = value ?? '';
  }
  return properties;
}

/** The model's name for a HubSpot property, or the property itself when the model has none. */
export function modelFieldOf(property: string): string {
  return MODEL_FIELDS[property.toLowerCase()] ?? property;
}
