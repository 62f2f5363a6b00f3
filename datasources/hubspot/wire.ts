import { z } from 'zod';
import { parseHubSpotDate } from './mapping.js';

/** HubSpot's own limits (FACTS §2). */
export const HUBSPOT_LIMITS = {
  batchReadInputs: 100,
  listPage: 100,
  searchPage: 200,
  searchWindow: 10_000,
  associationBatchInputs: 1000,
} as const;

export type HubSpotObjectType = 'contacts' | 'companies' | 'deals';

// ---- schemas: only the fields Concord reads ---------------------------------------------------

/** Every HubSpot property value is a string; unset ones come as null, blank or not at all. */
const text = z.string().nullish();

/** Required by HubSpot's schema; a value we cannot read as a date is a malformed answer. */
const timestamp = z.string().refine((value) => parseHubSpotDate(value) !== null, 'not a HubSpot date');

/** HubSpot sends ids as strings in v3 and as numbers in parts of v4; both mean the same id. */
const idValue = z.union([z.string().min(1), z.number().int()]).transform(String);

/** v3 inline associations: the same id can appear once per association type name. */
const V3Associations = z.record(
  z.string(),
  z.object({ results: z.array(z.object({ id: idValue, type: z.string().optional() })) }),
);

function objectSchema<P extends z.ZodRawShape>(properties: P) {
  return z.object({
    id: idValue,
    properties: z.object(properties),
    createdAt: timestamp,
    updatedAt: timestamp.optional(),
    associations: V3Associations.optional(),
  });
}

const ContactSchema = objectSchema({
  firstname: text,
  lastname: text,
  email: text,
  phone: text,
  jobtitle: text,
  lifecyclestage: text,
  associatedcompanyid: text,
  createdate: text,
  lastmodifieddate: text,
});
const CompanySchema = objectSchema({
  name: text,
  domain: text,
  industry: text,
  city: text,
  country: text,
  numberofemployees: text,
  createdate: text,
});
const DealSchema = objectSchema({
  dealname: text,
  amount: text,
  deal_currency_code: text,
  dealstage: text,
  closedate: text,
  createdate: text,
});
/** For counting: nothing but the creation time. */
const CreatedSchema = objectSchema({ createdate: text });

export type ContactObject = z.infer<typeof ContactSchema>;
export type CompanyObject = z.infer<typeof CompanySchema>;
export type DealObject = z.infer<typeof DealSchema>;
export type CreatedObject = z.infer<typeof CreatedSchema>;

export type AnyObject = z.infer<ReturnType<typeof objectSchema<z.ZodRawShape>>>;

const Paging = z.object({ next: z.object({ after: z.string() }).optional() }).optional();

/** One object type as the client reads it: the properties it asks for are exactly those it parses. */
export interface ObjectSpec<T extends AnyObject> {
  type: HubSpotObjectType;
  properties: readonly string[];
  /** One object, as create and update answer it. */
  object: z.ZodType<T>;
  batch: z.ZodType<{ results: T[] }>;
  list: z.ZodType<{ results: T[]; paging?: { next?: { after: string } | undefined } | undefined }>;
  search: z.ZodType<{
    total: number;
    results: T[];
    paging?: { next?: { after: string } | undefined } | undefined;
  }>;
}

function spec<P extends z.ZodRawShape>(
  type: HubSpotObjectType,
  schema: ReturnType<typeof objectSchema<P>>,
): ObjectSpec<z.infer<typeof schema>> {
  return {
    type,
    properties: Object.keys(schema.shape.properties.shape),
    object: schema,
    // A 207 also carries `errors`; the ids it lists are simply absent from `results`.
    batch: z.object({ results: z.array(schema) }),
    list: z.object({ results: z.array(schema), paging: Paging }),
    search: z.object({ total: z.number().int().nonnegative(), results: z.array(schema), paging: Paging }),
  };
}

export const CONTACTS = spec('contacts', ContactSchema);
/** Contacts read with the custom property that holds the idempotency key of the create that made them. */
export function contactsWithWriteKey(property: string) {
  return spec('contacts', objectSchema({ ...ContactSchema.shape.properties.shape, [property]: text }));
}
export const COMPANIES = spec('companies', CompanySchema);
export const DEALS = spec('deals', DealSchema);
export const CONTACTS_CREATED = spec('contacts', CreatedSchema);

export const AssociationBatchSchema = z.object({
  results: z.array(
    z.object({
      from: z.object({ id: idValue }),
      to: z.array(
        z.object({
          toObjectId: idValue,
          associationTypes: z.array(z.object({ label: z.string().nullish() })).default([]),
        }),
      ),
      paging: Paging,
    }),
  ),
});

/** A DELETE answers 204 with no body. */
export const NoContent = z.unknown();

/** A property definition from the properties API; only its name is read. */
export const PropertySchema = z.object({ name: z.string() });

/** `PropertyCreate`: what a custom property needs to be made. */
export interface PropertyCreate {
  name: string;
  label: string;
  type: 'string';
  fieldType: 'text';
  groupName: string;
  description: string;
  formField: boolean;
}

/** `GET /crm/v3/pipelines/deals`: every pipeline with its stages, unpaged (FACTS §7.4). */
export const PipelinesSchema = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      stages: z.array(z.object({ id: z.string(), label: z.string() })),
    }),
  ),
});
export type PipelinesObject = z.infer<typeof PipelinesSchema>;

// ---- request and answer shapes -----------------------------------------------------------------

/** An associated object, and whether HubSpot labels the association as the primary one. */
export interface LinkedObject {
  id: string;
  primary: boolean;
}

export type FilterOperator = 'EQ' | 'NEQ' | 'LT' | 'LTE' | 'GT' | 'GTE' | 'IN' | 'NOT_IN';

export interface SearchFilter {
  propertyName: string;
  operator: FilterOperator;
  value?: string;
  values?: string[];
}

export interface SearchRequest {
  /** ANDed filters; Concord never needs HubSpot's ORed groups. */
  filters: SearchFilter[];
  sorts: Array<{ propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }>;
  limit: number;
  after?: string | null;
}

/** One page as HubSpot gives it: its results and the cursor of the page after it. */
export interface Slice<T> {
  results: T[];
  next: string | null;
  /** Search only: how many objects match in all. */
  total?: number;
}

export interface HubSpotClientOptions {
  /** Objects path prefix; HubSpot also publishes date-versioned ones (`/crm/objects/2026-03`). */
  crmPrefix?: string;
  associationsPrefix?: string;
}
