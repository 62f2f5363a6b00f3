/** HubSpot CRM object types the simulator serves, and the properties each one knows. */

export const OBJECT_TYPES = ['contacts', 'companies', 'deals'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** How a property compares in search: numbers and datetimes numerically, the rest as text. */
export type PropertyKind = 'string' | 'enumeration' | 'number' | 'datetime';

export const PROPERTY_KINDS: Record<ObjectType, Readonly<Record<string, PropertyKind>>> = {
  contacts: {
    firstname: 'string',
    lastname: 'string',
    email: 'string',
    phone: 'string',
    jobtitle: 'string',
    lifecyclestage: 'enumeration',
    company: 'string',
    associatedcompanyid: 'number',
    city: 'string',
    state: 'string',
    zip: 'string',
    country: 'string',
    address: 'string',
    website: 'string',
    mobilephone: 'string',
    hubspot_owner_id: 'enumeration',
    hs_lead_status: 'enumeration',
    // A custom property, as a portal Concord writes to has it (README, HUBSPOT_WRITE_KEY_PROPERTY).
    concord_write_key: 'string',
    createdate: 'datetime',
    lastmodifieddate: 'datetime',
    hs_object_id: 'number',
  },
  companies: {
    name: 'string',
    domain: 'string',
    industry: 'enumeration',
    city: 'string',
    country: 'string',
    phone: 'string',
    numberofemployees: 'number',
    createdate: 'datetime',
    hs_lastmodifieddate: 'datetime',
    hs_object_id: 'number',
  },
  deals: {
    dealname: 'string',
    amount: 'number',
    deal_currency_code: 'enumeration',
    dealstage: 'enumeration',
    pipeline: 'enumeration',
    closedate: 'datetime',
    createdate: 'datetime',
    hs_lastmodifieddate: 'datetime',
    hs_object_id: 'number',
  },
};

/** What HubSpot returns when a request names no properties. */
export const DEFAULT_PROPERTIES: Record<ObjectType, readonly string[]> = {
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  deals: [
    'amount',
    'closedate',
    'createdate',
    'dealname',
    'dealstage',
    'hs_lastmodifieddate',
    'hs_object_id',
    'pipeline',
  ],
};

/** The properties a search `query` looks in (HubSpot's "default searchable properties" that exist here). */
export const SEARCHABLE_PROPERTIES: Record<ObjectType, readonly string[]> = {
  contacts: ['firstname', 'lastname', 'email', 'phone', 'company'],
  companies: ['name', 'domain', 'phone'],
  deals: ['dealname', 'pipeline', 'dealstage'],
};

/** Singular names, used by HubSpot in association type names and `associations.<type>` search filters. */
export const SINGULAR: Record<ObjectType, string> = {
  contacts: 'contact',
  companies: 'company',
  deals: 'deal',
};

/** Names HubSpot accepts in paths for each type: plural, singular and the object type id. */
const ALIASES: Record<string, ObjectType> = {
  contacts: 'contacts',
  contact: 'contacts',
  '0-1': 'contacts',
  companies: 'companies',
  company: 'companies',
  '0-2': 'companies',
  deals: 'deals',
  deal: 'deals',
  '0-3': 'deals',
};

export function parseObjectType(raw: string): ObjectType | undefined {
  return ALIASES[raw.toLowerCase()];
}

export function isKnownProperty(type: ObjectType, name: string): boolean {
  return Object.hasOwn(PROPERTY_KINDS[type], name);
}

export function propertyKind(type: ObjectType, name: string): PropertyKind | undefined {
  return isKnownProperty(type, name) ? PROPERTY_KINDS[type][name] : undefined;
}

// ---- the properties API (/crm/v3/properties) ----------------------------------------------------

/** HubSpot's property `type`s and the `fieldType`s a portal offers for them. */
export const PROPERTY_TYPES = ['string', 'number', 'date', 'datetime', 'enumeration', 'bool'] as const;
export const FIELD_TYPES = [
  'text',
  'textarea',
  'number',
  'select',
  'radio',
  'checkbox',
  'booleancheckbox',
  'date',
  'file',
  'phonenumber',
  'html',
  'calculation_equation',
] as const;

/** A property definition as HubSpot's properties API shows it (`Property`). */
export interface PropertyDefinition {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description: string;
  options: never[];
  displayOrder: number;
  calculated: boolean;
  externalOptions: boolean;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  archived: boolean;
  createdAt?: string;
  updatedAt?: string;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
}

export interface PropertyCreate {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description?: string | undefined;
  hasUniqueValue?: boolean | undefined;
  hidden?: boolean | undefined;
  formField?: boolean | undefined;
  displayOrder?: number | undefined;
}

/** Custom properties a portal Concord writes to starts with (README, HUBSPOT_WRITE_KEY_PROPERTY). */
const SEEDED_CUSTOM: Partial<Record<ObjectType, readonly string[]>> = { contacts: ['concord_write_key'] };

const KIND_TYPES: Record<PropertyKind, { type: string; fieldType: string }> = {
  string: { type: 'string', fieldType: 'text' },
  enumeration: { type: 'enumeration', fieldType: 'select' },
  number: { type: 'number', fieldType: 'number' },
  datetime: { type: 'datetime', fieldType: 'date' },
};

/**
 * The portal's property definitions: HubSpot's own (fixed), and custom ones, which the properties
 * API creates and archives. A custom property that does not exist (never made, or archived) is
 * refused on writes as HubSpot refuses it (PROPERTY_DOESNT_EXIST).
 */
export class PropertyRegistry {
  private readonly custom: Record<ObjectType, Map<string, PropertyDefinition>> = {
    contacts: new Map(),
    companies: new Map(),
    deals: new Map(),
  };
  private readonly customNames = new Set(Object.values(SEEDED_CUSTOM).flat());

  constructor(private readonly now: () => number = Date.now) {
    for (const type of OBJECT_TYPES) {
      for (const name of SEEDED_CUSTOM[type] ?? []) {
        this.create(type, {
          name,
          label: name,
          type: 'string',
          fieldType: 'text',
          groupName: 'contactinformation',
        });
      }
    }
  }

  /** Whether writes may name the property. */
  has(type: ObjectType, name: string): boolean {
    if (this.custom[type].has(name)) return true;
    return !this.customNames.has(name) && isKnownProperty(type, name);
  }

  get(type: ObjectType, name: string): PropertyDefinition | undefined {
    const custom = this.custom[type].get(name);
    if (custom) return custom;
    const kind = this.customNames.has(name) ? undefined : propertyKind(type, name);
    return kind ? builtIn(name, kind) : undefined;
  }

  list(type: ObjectType): PropertyDefinition[] {
    const builtIns = Object.entries(PROPERTY_KINDS[type])
      .filter(([name]) => !this.customNames.has(name))
      .map(([name, kind]) => builtIn(name, kind));
    return [...builtIns, ...this.custom[type].values()];
  }

  /** Null when a property of that name exists already (HubSpot's 409). */
  create(type: ObjectType, input: PropertyCreate): PropertyDefinition | null {
    if (this.get(type, input.name)) return null;
    const at = new Date(this.now()).toISOString();
    const made: PropertyDefinition = {
      name: input.name,
      label: input.label,
      type: input.type,
      fieldType: input.fieldType,
      groupName: input.groupName,
      description: input.description ?? '',
      options: [],
      displayOrder: input.displayOrder ?? -1,
      calculated: false,
      externalOptions: false,
      hasUniqueValue: input.hasUniqueValue ?? false,
      hidden: input.hidden ?? false,
      formField: input.formField ?? false,
      archived: false,
      createdAt: at,
      updatedAt: at,
      modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
    };
    this.custom[type].set(input.name, made);
    this.customNames.add(input.name);
    return made;
  }

  /** False for a property that is not there, or one of HubSpot's own (not archivable). */
  archive(type: ObjectType, name: string): boolean {
    return this.custom[type].delete(name);
  }
}

function builtIn(name: string, kind: PropertyKind): PropertyDefinition {
  return {
    name,
    label: name,
    ...KIND_TYPES[kind],
    groupName: 'hubspot_defined',
    description: '',
    options: [],
    displayOrder: -1,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: name === 'hs_object_id',
    hidden: false,
    formField: false,
    archived: false,
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: false },
  };
}
