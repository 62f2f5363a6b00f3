import type {
  Company,
  Contact,
  ContactChanges,
  Deal,
  DealParties,
  DealStatus,
  MoneyValue,
  ProviderRef,
} from '../model.js';
import { minorUnitExponent } from '../money.js';
import type { AccountRecord, ContactRecord, OpportunityRecord } from './wire.js';

export const PROVIDER_NAME = 'salesforce';

/** What mapping needs that the records themselves do not say. */
export interface MappingOptions {
  /** The org's instance origin, for Lightning record links; null: no links. */
  instanceUrl: string | null;
  /** The org's corporate currency, for records without `CurrencyIsoCode` (single-currency orgs). */
  defaultCurrency: string;
}

/** Blank strings and nulls alike mean "unset". */
export function textOrNull(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.trim() === '' ? null : value;
}

const SF_DATETIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)(Z|[+-]\d{2}:?\d{2})$/;

/** `2013-05-20T20:49:32.000+0000` → a Date (the offset gains the colon Date.parse needs); null if unreadable. */
export function parseSalesforceDatetime(value: string | null | undefined): Date | null {
  const match = SF_DATETIME.exec(value ?? '');
  if (!match) return null;
  const [, local = '', zone = 'Z'] = match;
  const offset = zone === 'Z' || zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${local}${offset}`);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** `2026-03-31` (a date field, no time zone) → midnight UTC of that day. */
export function parseSalesforceDate(value: string | null | undefined): Date | null {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(ms) ? null : new Date(ms);
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

/**
 * A JSON number in major units (Opportunity.Amount) to integer minor units. The number's shortest
 * decimal form (what JSON carried) is converted digit by digit, so 0.1 + 0.2 never happens here;
 * digits finer than the currency's minor unit round half away from zero.
 */
export function majorToMinor(amount: number, currency: string): MoneyValue | null {
  if (!Number.isFinite(amount)) return null;
  const match = DECIMAL.exec(String(amount));
  if (!match) return null;
  const [, sign = '', whole = '0', fraction = '', exponent = '0'] = match;
  const digits = BigInt(`${whole}${fraction}`);
  const shift = minorUnitExponent(currency) - fraction.length + Number(exponent);
  let minor: bigint;
  if (shift >= 0) minor = digits * 10n ** BigInt(shift);
  else {
    const divisor = 10n ** BigInt(-shift);
    minor = digits / divisor + ((digits % divisor) * 2n >= divisor ? 1n : 0n);
  }
  return { minor: sign === '-' ? -minor : minor, currency: currency.toUpperCase() };
}

/** `IsClosed`/`IsWon` follow the stage (OpportunityStage), so they decide, not the stage's label. */
export function dealStatusOf(record: Pick<OpportunityRecord, 'IsClosed' | 'IsWon'>): DealStatus {
  if (!record.IsClosed) return 'OPEN';
  return record.IsWon ? 'WON' : 'LOST';
}

/** `https://www.acme.com/about` → `acme.com`; what Salesforce keeps in Website is free text. */
export function domainOf(website: string | null | undefined): string | null {
  const text = textOrNull(website)?.trim();
  if (text === undefined) return null;
  try {
    const host = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`).hostname;
    return host.replace(/^www\./, '').toLowerCase() || null;
  } catch {
    return null;
  }
}

type RecordType = 'Contact' | 'Account' | 'Opportunity';

export function salesforceRef(type: RecordType, id: string, options: MappingOptions): ProviderRef {
  const url =
    options.instanceUrl === null
      ? null
      : `${options.instanceUrl.replace(/\/$/, '')}/lightning/r/${type}/${encodeURIComponent(id)}/view`;
  return { domain: 'CRM', provider: PROVIDER_NAME, externalId: id, url };
}

/** CreatedDate is required by the record schema; an unreadable one is an Invalid Date, not a guess. */
function created(value: string): Date {
  return parseSalesforceDatetime(value) ?? new Date(Number.NaN);
}

export function mapContact(record: ContactRecord, options: MappingOptions): Contact {
  return {
    id: record.Id,
    firstName: textOrNull(record.FirstName),
    lastName: textOrNull(record.LastName),
    email: textOrNull(record.Email),
    phone: textOrNull(record.Phone),
    jobTitle: textOrNull(record.Title),
    // Salesforce keeps the lifecycle on Leads, not Contacts.
    lifecycleStage: null,
    companyId: record.AccountId ?? null,
    createdAt: created(record.CreatedDate),
    updatedAt: parseSalesforceDatetime(record.LastModifiedDate),
    ref: salesforceRef('Contact', record.Id, options),
  };
}

export function mapAccount(record: AccountRecord, options: MappingOptions): Company {
  return {
    id: record.Id,
    name: textOrNull(record.Name),
    domain: domainOf(record.Website),
    industry: textOrNull(record.Industry),
    city: textOrNull(record.BillingCity),
    country: textOrNull(record.BillingCountry),
    employeeCount: record.NumberOfEmployees ?? null,
    createdAt: created(record.CreatedDate),
    ref: salesforceRef('Account', record.Id, options),
  };
}

const CURRENCY = /^[A-Za-z]{3}$/;

export function mapOpportunity(
  record: OpportunityRecord,
  parties: DealParties | null,
  options: MappingOptions,
): Deal {
  const code = textOrNull(record.CurrencyIsoCode)?.trim();
  const currency = code !== undefined && CURRENCY.test(code) ? code.toUpperCase() : options.defaultCurrency;
  return {
    id: record.Id,
    name: textOrNull(record.Name),
    amount:
      record.Amount === null || record.Amount === undefined ? null : majorToMinor(record.Amount, currency),
    status: dealStatusOf(record),
    stage: record.StageName,
    closeDate: parseSalesforceDate(record.CloseDate),
    createdAt: created(record.CreatedDate),
    parties,
    ref: salesforceRef('Opportunity', record.Id, options),
  };
}

/** The primary contact role's contact, else the first one's; roles may name no contact. */
export function primaryContact(
  roles: ReadonlyArray<{ ContactId?: string | null | undefined; IsPrimary?: boolean | null | undefined }>,
): string | null {
  const withContact = roles.filter((r) => typeof r.ContactId === 'string');
  return (withContact.find((r) => r.IsPrimary === true) ?? withContact[0])?.ContactId ?? null;
}

/** The model's contact fields and Salesforce's, both ways. */
const CONTACT_FIELD_NAMES = {
  firstName: 'FirstName',
  lastName: 'LastName',
  email: 'Email',
  phone: 'Phone',
  jobTitle: 'Title',
} as const satisfies Record<keyof ContactChanges, string>;

/** Fields to write: undefined leaves a field alone, null clears it (Salesforce takes JSON null). */
export function contactFields(changes: ContactChanges): Record<string, string | null> {
  const fields: Record<string, string | null> = {};
  for (const [model, field] of Object.entries(CONTACT_FIELD_NAMES)) {
    const value = changes[model as keyof ContactChanges];
    if (value !== undefined) fields[field] = value === null ? null : value.trim() === '' ? null : value;
  }
  return fields;
}

/** `Email` → `email`; null for fields the model does not have. */
export function modelFieldOf(field: string): string | null {
  const found = Object.entries(CONTACT_FIELD_NAMES).find(
    ([, sf]) => sf.toLowerCase() === field.toLowerCase(),
  );
  if (found) return found[0];
  return field === 'StageName' ? 'stage' : null;
}
