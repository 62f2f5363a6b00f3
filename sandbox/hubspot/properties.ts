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
