import { KEY_PREFIXES, type KeyedType } from './ids.js';

/** Salesforce's field types (describe `type`) for the fields the twin serves. */
export type FieldType =
  | 'id'
  | 'string'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'textarea'
  | 'reference'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime';

export interface FieldDef {
  name: string;
  type: FieldType;
  label: string;
  /** For references: the parent type and the relationship name used in dot paths (`Account.Name`). */
  referenceTo?: KeyedType;
  relationshipName?: string;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  /** Required on create (not nillable and no default). */
  required?: boolean;
  length?: number;
  picklist?: readonly string[];
  /** A custom field (`__c`) an admin added to the org. */
  custom?: boolean;
  /** Marked External ID: upserts may match records by it (`PATCH /sobjects/{type}/{field}/{value}`). */
  externalId?: boolean;
  /** Unique: no two records hold the same value (case-insensitively), so an upsert matches one at most. */
  unique?: boolean;
}

export interface ChildRelationship {
  relationshipName: string;
  childSObject: KeyedType;
  field: string;
}

export interface SObjectDef {
  name: KeyedType;
  label: string;
  labelPlural: string;
  fields: readonly FieldDef[];
  children: readonly ChildRelationship[];
  /** The twin accepts create, update and delete for these. */
  writable: boolean;
}

const f = (
  name: string,
  type: FieldType,
  options: Partial<Omit<FieldDef, 'name' | 'type'>> = {},
): FieldDef => ({
  name,
  type,
  label: options.label ?? name.replace(/([a-z])([A-Z])/g, '$1 $2'),
  createable: options.createable ?? true,
  updateable: options.updateable ?? options.createable ?? true,
  nillable: options.nillable ?? true,
  ...options,
});

const readOnly = { createable: false, updateable: false } as const;
const system = (): FieldDef[] => [
  f('CreatedDate', 'datetime', { ...readOnly, nillable: false }),
  f('LastModifiedDate', 'datetime', { ...readOnly, nillable: false }),
  f('SystemModstamp', 'datetime', { ...readOnly, nillable: false }),
  f('IsDeleted', 'boolean', { ...readOnly, nillable: false }),
];
const idField = () => f('Id', 'id', { ...readOnly, nillable: false, label: 'Record ID' });
const owner = () =>
  f('OwnerId', 'reference', {
    referenceTo: 'User',
    relationshipName: 'Owner',
    nillable: false,
    label: 'Owner ID',
  });

/** A multi-currency org's ISO codes (the data set's currencies). */
export const CURRENCY_CODES = ['USD', 'EUR', 'GBP', 'JPY'] as const;
export const INDUSTRIES = [
  'Technology',
  'Consulting',
  'Finance',
  'Retail',
  'Healthcare',
  'Media',
  'Education',
  'Transportation',
] as const;

/** Salesforce's default sales process (SELECT ApiName, IsClosed, IsWon, DefaultProbability FROM OpportunityStage). */
export const OPPORTUNITY_STAGES = [
  { name: 'Prospecting', probability: 10, closed: false, won: false },
  { name: 'Qualification', probability: 10, closed: false, won: false },
  { name: 'Needs Analysis', probability: 20, closed: false, won: false },
  { name: 'Value Proposition', probability: 50, closed: false, won: false },
  { name: 'Id. Decision Makers', probability: 60, closed: false, won: false },
  { name: 'Perception Analysis', probability: 70, closed: false, won: false },
  { name: 'Proposal/Price Quote', probability: 75, closed: false, won: false },
  { name: 'Negotiation/Review', probability: 90, closed: false, won: false },
  { name: 'Closed Won', probability: 100, closed: true, won: true },
  { name: 'Closed Lost', probability: 0, closed: true, won: false },
] as const;
export const CONTACT_ROLES = [
  'Business User',
  'Decision Maker',
  'Economic Buyer',
  'Economic Decision Maker',
  'Evaluator',
  'Executive Sponsor',
  'Influencer',
  'Technical Buyer',
  'Other',
] as const;

export const SOBJECTS: Record<KeyedType, SObjectDef> = {
  Account: {
    name: 'Account',
    label: 'Account',
    labelPlural: 'Accounts',
    writable: true,
    fields: [
      idField(),
      f('Name', 'string', { nillable: false, required: true, length: 255, label: 'Account Name' }),
      f('Website', 'url', { length: 255 }),
      f('Industry', 'picklist', { picklist: INDUSTRIES }),
      f('NumberOfEmployees', 'int', { label: 'Employees' }),
      f('Phone', 'phone', { length: 40 }),
      f('BillingCity', 'string', { length: 40 }),
      f('BillingCountry', 'string', { length: 80 }),
      f('CurrencyIsoCode', 'picklist', {
        picklist: CURRENCY_CODES,
        nillable: false,
        label: 'Account Currency',
      }),
      owner(),
      ...system(),
    ],
    children: [
      { relationshipName: 'Contacts', childSObject: 'Contact', field: 'AccountId' },
      { relationshipName: 'Opportunities', childSObject: 'Opportunity', field: 'AccountId' },
    ],
  },
  Contact: {
    name: 'Contact',
    label: 'Contact',
    labelPlural: 'Contacts',
    writable: true,
    fields: [
      idField(),
      f('FirstName', 'string', { length: 40 }),
      f('LastName', 'string', { nillable: false, required: true, length: 80 }),
      f('Name', 'string', { ...readOnly, nillable: false, length: 121, label: 'Full Name' }),
      f('Email', 'email', { length: 80 }),
      f('Phone', 'phone', { length: 40, label: 'Business Phone' }),
      f('MobilePhone', 'phone', { length: 40 }),
      f('Title', 'string', { length: 128 }),
      f('LeadSource', 'picklist', {
        picklist: ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'],
      }),
      f('MailingCity', 'string', { length: 40 }),
      f('MailingCountry', 'string', { length: 80 }),
      f('AccountId', 'reference', {
        referenceTo: 'Account',
        relationshipName: 'Account',
        label: 'Account ID',
      }),
      owner(),
      ...system(),
    ],
    children: [
      {
        relationshipName: 'OpportunityContactRoles',
        childSObject: 'OpportunityContactRole',
        field: 'ContactId',
      },
      { relationshipName: 'Opportunities', childSObject: 'Opportunity', field: 'ContactId' },
    ],
  },
  Opportunity: {
    name: 'Opportunity',
    label: 'Opportunity',
    labelPlural: 'Opportunities',
    writable: true,
    fields: [
      idField(),
      f('Name', 'string', { nillable: false, required: true, length: 120 }),
      f('Amount', 'currency'),
      f('CurrencyIsoCode', 'picklist', {
        picklist: CURRENCY_CODES,
        nillable: false,
        label: 'Opportunity Currency',
      }),
      f('StageName', 'picklist', {
        nillable: false,
        required: true,
        label: 'Stage',
        picklist: OPPORTUNITY_STAGES.map((s) => s.name),
      }),
      f('Probability', 'percent', { label: 'Probability (%)' }),
      f('IsClosed', 'boolean', { ...readOnly, nillable: false, label: 'Closed' }),
      f('IsWon', 'boolean', { ...readOnly, nillable: false, label: 'Won' }),
      f('CloseDate', 'date', { nillable: false, required: true }),
      f('AccountId', 'reference', {
        referenceTo: 'Account',
        relationshipName: 'Account',
        label: 'Account ID',
      }),
      f('ContactId', 'reference', {
        referenceTo: 'Contact',
        relationshipName: 'Contact',
        label: 'Contact ID',
      }),
      owner(),
      ...system(),
    ],
    children: [
      {
        relationshipName: 'OpportunityContactRoles',
        childSObject: 'OpportunityContactRole',
        field: 'OpportunityId',
      },
    ],
  },
  OpportunityContactRole: {
    name: 'OpportunityContactRole',
    label: 'Opportunity Contact Role',
    labelPlural: 'Opportunity Contact Role',
    writable: true,
    fields: [
      idField(),
      f('OpportunityId', 'reference', {
        referenceTo: 'Opportunity',
        relationshipName: 'Opportunity',
        nillable: false,
        required: true,
        updateable: false,
        label: 'Opportunity ID',
      }),
      f('ContactId', 'reference', {
        referenceTo: 'Contact',
        relationshipName: 'Contact',
        label: 'Contact ID',
      }),
      f('Role', 'picklist', { picklist: CONTACT_ROLES }),
      f('IsPrimary', 'boolean', { nillable: false, label: 'Primary' }),
      ...system(),
    ],
    children: [],
  },
  User: {
    name: 'User',
    label: 'User',
    labelPlural: 'Users',
    writable: false,
    fields: [
      idField(),
      f('Username', 'string', { ...readOnly, nillable: false, length: 80 }),
      f('FirstName', 'string', { ...readOnly, length: 40 }),
      f('LastName', 'string', { ...readOnly, nillable: false, length: 80 }),
      f('Name', 'string', { ...readOnly, nillable: false, length: 121, label: 'Full Name' }),
      f('Email', 'email', { ...readOnly, nillable: false, length: 128 }),
      f('IsActive', 'boolean', { ...readOnly, nillable: false, label: 'Active' }),
      ...system(),
    ],
    children: [],
  },
  OpportunityStage: {
    name: 'OpportunityStage',
    label: 'Opportunity Stage',
    labelPlural: 'Opportunity Stage',
    writable: false,
    fields: [
      idField(),
      f('ApiName', 'string', { ...readOnly, nillable: false }),
      f('MasterLabel', 'string', { ...readOnly, nillable: false }),
      f('IsActive', 'boolean', { ...readOnly, nillable: false }),
      f('IsClosed', 'boolean', { ...readOnly, nillable: false }),
      f('IsWon', 'boolean', { ...readOnly, nillable: false }),
      f('DefaultProbability', 'percent', { ...readOnly }),
      f('SortOrder', 'int', { ...readOnly }),
      ...system(),
    ],
    children: [],
  },
};

export const SOBJECT_NAMES = Object.keys(SOBJECTS) as KeyedType[];

/** The Contact field the sandbox org has for Concord's write keys (SALESFORCE_WRITE_KEY_FIELD's default). */
export const WRITE_KEY_FIELD = 'Concord_Write_Key__c';

/**
 * Whether the org has the write-key field: `unique` as the README asks an admin to make it (Text,
 * External ID, Unique), `non-unique` (External ID only: an upsert may then match several, 300),
 * or `off` (never created: describe does not list it and any use of it is an unknown field).
 */
export type WriteKeyFieldSetup = 'unique' | 'non-unique' | 'off';

export type OrgSObjects = Readonly<Record<KeyedType, SObjectDef>>;

/** The org's sObjects: the standard ones, plus the custom fields its settings say an admin added. */
export function orgSObjects(writeKeyField: WriteKeyFieldSetup): OrgSObjects {
  if (writeKeyField === 'off') return SOBJECTS;
  const key = f(WRITE_KEY_FIELD, 'string', {
    length: 255,
    label: 'Concord Write Key',
    custom: true,
    externalId: true,
    unique: writeKeyField === 'unique',
  });
  const contact = SOBJECTS.Contact;
  // Custom fields come after the standard ones in describe, as Salesforce lists them.
  return { ...SOBJECTS, Contact: { ...contact, fields: [...contact.fields, key] } };
}

/** The sObject an API name (case-insensitive, as Salesforce resolves it) refers to, in the org given. */
export function sobjectNamed(name: string, sobjects: OrgSObjects = SOBJECTS): SObjectDef | undefined {
  const lower = name.toLowerCase();
  const key = SOBJECT_NAMES.find((n) => n.toLowerCase() === lower);
  return key ? sobjects[key] : undefined;
}

/** A field by its API name, case-insensitively. */
export function fieldNamed(sobject: SObjectDef, name: string): FieldDef | undefined {
  const lower = name.toLowerCase();
  return sobject.fields.find((field) => field.name.toLowerCase() === lower);
}

/** A reference field by its relationship name (`Account` for `AccountId`), case-insensitively. */
export function relationshipNamed(sobject: SObjectDef, name: string): FieldDef | undefined {
  const lower = name.toLowerCase();
  return sobject.fields.find((field) => field.relationshipName?.toLowerCase() === lower);
}

export function childRelationshipNamed(sobject: SObjectDef, name: string): ChildRelationship | undefined {
  const lower = name.toLowerCase();
  return sobject.children.find((child) => child.relationshipName.toLowerCase() === lower);
}

export function keyPrefixOf(type: KeyedType): string {
  return KEY_PREFIXES[type];
}
