import type { CompanyRecord, ContactRecord, Currency, DealRecord } from '../data/dataset.js';
import { DEFAULT_PROPERTIES, PROPERTY_KINDS, isKnownProperty, type ObjectType } from './properties.js';

/** One CRM record as HubSpot holds it: every property value is a string (or null when unset). */
export interface HubObject {
  type: ObjectType;
  id: string;
  /** The id as a number, for ordering and numeric filters. */
  idNumber: number;
  properties: Readonly<Record<string, string | null>>;
  /** Numeric forms of number and datetime properties (epoch ms for datetimes), for comparisons and sorts. */
  numbers: Readonly<Record<string, number>>;
  createdAt: string;
  updatedAt: string;
}

/** The JSON HubSpot sends for a `SimplePublicObject`. */
export interface RenderedObject {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<string, PropertyHistoryEntry[]>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  associations?: Record<string, { results: { id: string; type: string }[] }>;
}

export interface PropertyHistoryEntry {
  value: string;
  timestamp: string;
  sourceType: string;
}

export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

const MINOR_DIGITS: Record<Currency, number> = { usd: 2, eur: 2, gbp: 2, jpy: 0 };

/** Minor units to HubSpot's decimal string without float arithmetic; trailing zeros go, as HubSpot's number fields drop them. */
export function decimalAmount(amountMinor: number, currency: Currency): string {
  const digits = MINOR_DIGITS[currency];
  if (digits === 0) return String(amountMinor);
  const sign = amountMinor < 0 ? '-' : '';
  const abs = Math.abs(amountMinor);
  const scale = 10 ** digits;
  const major = Math.floor(abs / scale);
  const fraction = String(abs % scale)
    .padStart(digits, '0')
    .replace(/0+$/, '');
  return fraction ? `${sign}${major}.${fraction}` : `${sign}${major}`;
}

/** A HubObject from raw property strings; used for seeded objects and for ones created or patched over the API. */
export function build(
  type: ObjectType,
  id: string,
  properties: Record<string, string | null>,
  createdAt: number,
  updatedAt: number,
): HubObject {
  const numbers: Record<string, number> = {};
  for (const [name, kind] of Object.entries(PROPERTY_KINDS[type])) {
    const value = properties[name];
    if (value === null || value === undefined) continue;
    const parsed = kind === 'datetime' ? Date.parse(value) : kind === 'number' ? Number(value) : Number.NaN;
    if (!Number.isNaN(parsed)) numbers[name] = parsed;
  }
  return {
    type,
    id,
    idNumber: Number(id),
    properties,
    numbers,
    createdAt: isoTime(createdAt),
    updatedAt: isoTime(updatedAt),
  };
}

/** The portal's users that own records (HubSpot owner ids); every fourth contact has no owner. */
export const OWNER_IDS = ['75480126', '75480127', '75480128'] as const;
const ownerOf = (crmId: string): string | null => {
  const slot = Number(crmId) % (OWNER_IDS.length + 1);
  return OWNER_IDS[slot] ?? null;
};
/** `hs_lead_status` as a sales team sets it for contacts still in the funnel. */
const LEAD_STATUS: Record<string, string> = {
  subscriber: 'NEW',
  lead: 'NEW',
  marketingqualifiedlead: 'OPEN',
  salesqualifiedlead: 'IN_PROGRESS',
  opportunity: 'CONNECTED',
};

export function contactObject(contact: ContactRecord, companies: readonly CompanyRecord[]): HubObject {
  const company = contact.company >= 0 ? companies[contact.company] : undefined;
  return build(
    'contacts',
    contact.crmId,
    {
      firstname: contact.firstName,
      lastname: contact.lastName,
      email: contact.email,
      phone: contact.phone,
      jobtitle: contact.jobTitle,
      lifecyclestage: contact.lifecycleStage,
      company: company?.name ?? null,
      associatedcompanyid: company?.crmId ?? null,
      // Standard properties a CRM user filters on; the seeded contact lives where its company is.
      city: company?.city ?? null,
      country: company?.country ?? null,
      state: null,
      zip: null,
      address: null,
      website: company ? `https://${company.domain}` : null,
      mobilephone: null,
      hubspot_owner_id: ownerOf(contact.crmId),
      hs_lead_status: LEAD_STATUS[contact.lifecycleStage] ?? null,
      createdate: isoTime(contact.createdAt),
      lastmodifieddate: isoTime(contact.updatedAt),
      hs_object_id: contact.crmId,
    },
    contact.createdAt,
    contact.updatedAt,
  );
}

export function companyObject(company: CompanyRecord): HubObject {
  return build(
    'companies',
    company.crmId,
    {
      name: company.name,
      domain: company.domain,
      industry: company.industry,
      city: company.city,
      country: company.country,
      phone: company.phone,
      numberofemployees: String(company.employees),
      createdate: isoTime(company.createdAt),
      hs_lastmodifieddate: isoTime(company.updatedAt),
      hs_object_id: company.crmId,
    },
    company.createdAt,
    company.updatedAt,
  );
}

export function dealObject(deal: DealRecord): HubObject {
  return build(
    'deals',
    deal.crmId,
    {
      dealname: deal.name,
      amount: decimalAmount(deal.amountMinor, deal.currency),
      deal_currency_code: deal.currency.toUpperCase(),
      dealstage: deal.stage,
      pipeline: 'default',
      closedate: isoTime(deal.closeDate),
      createdate: isoTime(deal.createdAt),
      hs_lastmodifieddate: isoTime(deal.updatedAt),
      hs_object_id: deal.crmId,
    },
    deal.createdAt,
    deal.updatedAt,
  );
}

export interface RenderOptions {
  /** Requested property names; undefined or empty means the type's defaults. */
  properties?: readonly string[] | undefined;
  propertiesWithHistory?: readonly string[] | undefined;
  associations?: Record<string, { results: { id: string; type: string }[] }> | undefined;
}

/**
 * Requested properties as HubSpot returns them: keys sorted, a known property without a value as
 * `null`, `hs_object_id` always there, unknown names left out.
 */
export function selectProperties(
  obj: HubObject,
  requested: readonly string[] | undefined,
): Record<string, string | null> {
  const names = requested && requested.length > 0 ? requested : DEFAULT_PROPERTIES[obj.type];
  const selected: Record<string, string | null> = {};
  for (const name of [...new Set([...names, 'hs_object_id'])].sort()) {
    if (isKnownProperty(obj.type, name)) selected[name] = obj.properties[name] ?? null;
  }
  return selected;
}

/** One version per property: the simulated data has no edit history, so the current value is the only entry. */
function historyOf(obj: HubObject, names: readonly string[]): Record<string, PropertyHistoryEntry[]> {
  const history: Record<string, PropertyHistoryEntry[]> = {};
  for (const name of names) {
    if (!Object.hasOwn(obj.properties, name)) continue;
    const value = obj.properties[name];
    const stamped = name === 'createdate' || name === 'hs_object_id' ? obj.createdAt : obj.updatedAt;
    history[name] =
      value === null || value === undefined ? [] : [{ value, timestamp: stamped, sourceType: 'API' }];
  }
  return history;
}

export function renderObject(obj: HubObject, options: RenderOptions = {}): RenderedObject {
  const rendered: RenderedObject = {
    id: obj.id,
    properties: selectProperties(obj, options.properties),
    createdAt: obj.createdAt,
    updatedAt: obj.updatedAt,
    archived: false,
  };
  if (options.propertiesWithHistory && options.propertiesWithHistory.length > 0) {
    rendered.propertiesWithHistory = historyOf(obj, options.propertiesWithHistory);
  }
  if (options.associations && Object.keys(options.associations).length > 0)
    rendered.associations = options.associations;
  return rendered;
}
