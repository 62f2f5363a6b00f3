import type { IncomingHttpHeaders } from 'node:http';
import { canonicalId, typeOfId, type KeyedType } from './ids.js';
import { SalesforceError } from './errors.js';
import { attributesOf } from './soql/evaluate.js';
import type { FieldValue, SfRecord } from './records.js';
import { fieldNamed, type FieldDef, type OrgSObjects, type SObjectDef } from './schema.js';
import { stageFields } from './seed.js';
import type { SalesforceStore } from './store.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function invalidValue(field: FieldDef, value: unknown): SalesforceError {
  const type =
    field.type === 'datetime'
      ? 'datetime'
      : field.type === 'date'
        ? 'date'
        : field.type === 'boolean'
          ? 'boolean'
          : 'double';
  return new SalesforceError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${type} from ${typeof value === 'string' ? 'VALUE_STRING' : 'VALUE_' + typeof value} value ${String(value)} or request may be missing a required field`,
  );
}

/** One JSON value converted to how the twin holds the field, or Salesforce's error for it. */
function coerce(store: SalesforceStore, field: FieldDef, value: unknown): FieldValue {
  if (value === null || value === '') {
    if (!field.nillable || field.required) {
      throw new SalesforceError(
        400,
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${field.name}]`,
        [field.name],
      );
    }
    return null;
  }
  switch (field.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw invalidValue(field, value);
    case 'int':
    case 'double':
    case 'currency':
    case 'percent': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : NaN;
      if (!Number.isFinite(n) || (field.type === 'int' && !Number.isInteger(n)))
        throw invalidValue(field, value);
      return n;
    }
    case 'date':
      if (typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value))) return value;
      throw invalidValue(field, value);
    case 'datetime': {
      const t = typeof value === 'string' ? Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
      if (Number.isNaN(t)) throw invalidValue(field, value);
      return t;
    }
    case 'reference': {
      const id = typeof value === 'string' ? canonicalId(value) : null;
      if (!id || typeOfId(id) !== field.referenceTo) {
        throw new SalesforceError(
          400,
          'MALFORMED_ID',
          `${field.label}: id value of incorrect type: ${String(value)}`,
          [field.name],
        );
      }
      if (!store.get(id, field.referenceTo)) {
        throw new SalesforceError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [
          field.name,
        ]);
      }
      return id;
    }
    default: {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
        throw invalidValue(field, value);
      const text = String(value);
      if (field.length !== undefined && text.length > field.length) {
        throw new SalesforceError(
          400,
          'STRING_TOO_LONG',
          `${field.label}: data value too large: ${text} (max length=${field.length})`,
          [field.name],
        );
      }
      if (field.type === 'email' && !EMAIL.test(text)) {
        throw new SalesforceError(
          400,
          'INVALID_EMAIL_ADDRESS',
          `${field.label}: invalid email address: ${text}`,
          [field.name],
        );
      }
      if (field.picklist && !field.picklist.includes(text)) {
        throw new SalesforceError(
          400,
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${field.label}: bad value for restricted picklist field: ${text}`,
          [field.name],
        );
      }
      return text;
    }
  }
}

/** `Sforce-Duplicate-Rule-Header: allowSave=true` lets an alert-only duplicate rule save (FACTS §7.2). */
function allowsDuplicates(headers: IncomingHttpHeaders): boolean {
  const header = headers['sforce-duplicate-rule-header'];
  return /allowSave\s*=\s*true/i.test(Array.isArray(header) ? header.join(';') : (header ?? ''));
}

/**
 * The standard Contact duplicate rule (exact email match), which blocks an API save unless the
 * caller allows it; the error carries `duplicateResut`, spelled as Salesforce spells it.
 */
function duplicateCheck(
  store: SalesforceStore,
  sobject: SObjectDef,
  fields: Record<string, FieldValue>,
  self: string | null,
  headers: IncomingHttpHeaders,
  version: string,
): void {
  if (sobject.name !== 'Contact' || typeof fields.Email !== 'string' || allowsDuplicates(headers)) return;
  const email = fields.Email.toLowerCase();
  const match = store
    .all('Contact')
    .find(
      (c) => c.id !== self && typeof c.fields.Email === 'string' && c.fields.Email.toLowerCase() === email,
    );
  if (!match) return;
  const message = "You're creating a duplicate record. We recommend you use an existing record instead.";
  throw new SalesforceError(400, 'DUPLICATES_DETECTED', message, undefined, {
    duplicateResut: {
      allowSave: true,
      duplicateRule: 'Standard_Rule_for_Contacts_with_Duplicate_Leads',
      duplicateRuleEntityType: 'Contact',
      errorMessage: message,
      matchResults: [
        {
          entityType: 'Contact',
          errors: [],
          matchEngine: 'ExactMatchEngine',
          matchRecords: [
            {
              additionalInformation: [],
              fieldDiffs: [],
              matchConfidence: 100.0,
              record: { attributes: attributesOf(match, version), Id: match.id },
            },
          ],
          rule: 'Standard_Contact_Match_Rule_v1_1',
          size: 1,
          success: true,
        },
      ],
    },
  });
}

/** A value for a Unique field that another record holds: DUPLICATE_VALUE, naming that record. */
function uniqueCheck(
  store: SalesforceStore,
  sobject: SObjectDef,
  changes: Record<string, FieldValue>,
  self: string | null,
): void {
  for (const field of sobject.fields) {
    const value = changes[field.name];
    if (!field.unique || typeof value !== 'string') continue;
    const holder = recordsWithValue(store, sobject, field, value).find((r) => r.id !== self);
    if (holder) {
      throw new SalesforceError(
        400,
        'DUPLICATE_VALUE',
        `duplicate value found: ${field.name} duplicates value on record with id: ${holder.id}`,
        [field.name],
      );
    }
  }
}

/** Live records whose text field holds `value`, compared case-insensitively as Salesforce's external ids are. */
export function recordsWithValue(
  store: SalesforceStore,
  sobject: SObjectDef,
  field: FieldDef,
  value: string,
): SfRecord[] {
  const wanted = value.toLowerCase();
  return store
    .all(sobject.name)
    .filter(
      (r) =>
        typeof r.fields[field.name] === 'string' && (r.fields[field.name] as string).toLowerCase() === wanted,
    );
}

/** Fields derived from others, as Salesforce computes them: a contact's Name, an opportunity's stage flags. */
function derived(
  sobject: SObjectDef,
  merged: Record<string, FieldValue>,
  changes: Record<string, FieldValue>,
): Record<string, FieldValue> {
  const out = { ...changes };
  if (sobject.name === 'Contact' && ('FirstName' in changes || 'LastName' in changes)) {
    out.Name = [merged.FirstName, merged.LastName].filter((p) => typeof p === 'string' && p !== '').join(' ');
  }
  if (sobject.name === 'Opportunity' && 'StageName' in changes) {
    const stage = stageFields(String(changes.StageName));
    Object.assign(out, stage, 'Probability' in changes ? { Probability: changes.Probability } : {});
  }
  if (sobject.name === 'OpportunityContactRole' && !('IsPrimary' in merged)) out.IsPrimary = false;
  return out;
}

/** The writable sObject a path or a record's `attributes.type` names; NOT_FOUND for others, as Salesforce answers. */
export function writableSObject(name: string | undefined, sobjects: OrgSObjects): SObjectDef {
  const sobject = name
    ? Object.values(sobjects).find((s) => s.name.toLowerCase() === name.toLowerCase())
    : undefined;
  if (!sobject) throw new SalesforceError(404, 'NOT_FOUND', 'The requested resource does not exist');
  if (!sobject.writable) {
    throw new SalesforceError(
      400,
      'INVALID_TYPE_FOR_OPERATION',
      `entity type ${sobject.name} does not support this operation`,
    );
  }
  return sobject;
}

/** Checks a create or update body field by field; nothing is written unless all of it is valid. */
export function validateWrite(
  store: SalesforceStore,
  sobject: SObjectDef,
  body: Record<string, unknown>,
  existing: SfRecord | null,
  headers: IncomingHttpHeaders,
  version: string,
): Record<string, FieldValue> {
  const changes: Record<string, FieldValue> = {};
  for (const [name, value] of Object.entries(body)) {
    if (name === 'attributes') continue;
    if (name.toLowerCase() === 'id') {
      if (existing) continue;
      throw new SalesforceError(
        400,
        'INVALID_FIELD',
        'The Id field should not be specified in the sobject data.',
      );
    }
    const field = fieldNamed(sobject, name);
    if (!field) {
      throw new SalesforceError(
        400,
        'INVALID_FIELD',
        `No such column '${name}' on sobject of type ${sobject.name}`,
      );
    }
    const allowed = existing ? field.updateable : field.createable;
    if (!allowed) {
      throw new SalesforceError(
        400,
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${field.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        [field.name],
      );
    }
    changes[field.name] = coerce(store, field, value);
  }
  if (!existing) {
    const missing = sobject.fields
      .filter((f) => f.required && (changes[f.name] === undefined || changes[f.name] === null))
      .map((f) => f.name);
    if (missing.length > 0) {
      throw new SalesforceError(
        400,
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing,
      );
    }
    if (sobject.fields.some((f) => f.name === 'OwnerId') && !changes.OwnerId)
      changes.OwnerId = defaultOwner(store);
    if (sobject.fields.some((f) => f.name === 'CurrencyIsoCode') && !changes.CurrencyIsoCode)
      changes.CurrencyIsoCode = 'USD';
  }
  const merged = { ...(existing?.fields ?? {}), ...changes };
  uniqueCheck(store, sobject, changes, existing?.id ?? null);
  duplicateCheck(store, sobject, merged, existing?.id ?? null, headers, version);
  return derived(sobject, merged, changes);
}

function defaultOwner(store: SalesforceStore): string {
  return (store.all('User')[0] as SfRecord).id;
}

/** The record an id names for a write: NOT_FOUND for a bad, unknown or deleted id, or one of another type. */
export function recordFor(store: SalesforceStore, type: KeyedType, rawId: string): SfRecord {
  const id = canonicalId(rawId);
  const record = id ? store.get(id, type) : undefined;
  if (!record) {
    if (id && typeOfId(id) === type && store.getDeleted(id)) {
      throw new SalesforceError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    }
    throw new SalesforceError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }
  return record;
}
