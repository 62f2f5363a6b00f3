import { z } from 'zod';

/**
 * Salesforce REST shapes Concord reads (FACTS §4, §7.2), checked with zod: only the fields asked
 * for in SOQL or a Collections retrieve, each nullable as Salesforce sends unset fields as null.
 */

/** `2013-05-20T20:49:32.000+0000` (Salesforce's datetime) or any ISO-8601 form. */
export const SF_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$/;
const datetime = z.string().regex(SF_DATETIME, 'not a Salesforce datetime');
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'not a Salesforce date');
const text = z.string().nullish();
/** 18-character ids as the API sends them (15-character ones are accepted too). */
export const SF_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const id = z.string().regex(SF_ID, 'not a Salesforce id');

const Attributes = z.object({ type: z.string(), url: z.string().optional() }).optional();

/** A child relationship set inside a record (`(SELECT … FROM OpportunityContactRoles)`). */
export function childSet<T extends z.ZodType>(record: T) {
  return z
    .object({
      totalSize: z.number().int(),
      done: z.boolean(),
      records: z.array(record),
      nextRecordsUrl: z.string().optional(),
    })
    .nullish();
}

export const ContactRecord = z.object({
  attributes: Attributes,
  Id: id,
  FirstName: text,
  LastName: text,
  Email: text,
  Phone: text,
  Title: text,
  AccountId: id.nullish(),
  CreatedDate: datetime,
  LastModifiedDate: datetime.nullish(),
});
export type ContactRecord = z.infer<typeof ContactRecord>;
export const CONTACT_FIELDS = Object.keys(ContactRecord.shape).filter((f) => f !== 'attributes');

export const AccountRecord = z.object({
  attributes: Attributes,
  Id: id,
  Name: text,
  Website: text,
  Industry: text,
  BillingCity: text,
  BillingCountry: text,
  NumberOfEmployees: z.number().int().nullish(),
  CreatedDate: datetime,
});
export type AccountRecord = z.infer<typeof AccountRecord>;
export const ACCOUNT_FIELDS = Object.keys(AccountRecord.shape).filter((f) => f !== 'attributes');

export const OpportunityRecord = z.object({
  attributes: Attributes,
  Id: id,
  Name: text,
  /** Major units as a JSON number (FACTS §4), in the record's currency. */
  Amount: z.number().nullish(),
  /** Only in multi-currency orgs; otherwise the org's corporate currency applies. */
  CurrencyIsoCode: text,
  StageName: z.string(),
  IsClosed: z.boolean(),
  IsWon: z.boolean(),
  CloseDate: date.nullish(),
  AccountId: id.nullish(),
  CreatedDate: datetime,
});
export type OpportunityRecord = z.infer<typeof OpportunityRecord>;
/** Single-currency orgs have no CurrencyIsoCode field: asking for it there is an INVALID_FIELD. */
export function opportunityFields(multiCurrency: boolean): string[] {
  return Object.keys(OpportunityRecord.shape).filter(
    (f) => f !== 'attributes' && (multiCurrency || f !== 'CurrencyIsoCode'),
  );
}

export const ContactRoleRecord = z.object({
  attributes: Attributes,
  OpportunityId: id,
  ContactId: id.nullish(),
  IsPrimary: z.boolean().nullish(),
});
export type ContactRoleRecord = z.infer<typeof ContactRoleRecord>;

/** An opportunity's account and the people on it, in one relationship query. */
export const OpportunityPartiesRecord = z.object({
  attributes: Attributes,
  Id: id,
  AccountId: id.nullish(),
  OpportunityContactRoles: childSet(ContactRoleRecord.omit({ OpportunityId: true })),
});

/**
 * A contact with its account and its opportunities (through its contact roles) in one
 * relationship query: parent fields by dot path, children by subquery (FACTS §7.2).
 */
export const ContactWithRelations = ContactRecord.extend({
  Account: AccountRecord.nullish(),
  OpportunityContactRoles: childSet(
    z.object({ attributes: Attributes, OpportunityId: id, Opportunity: OpportunityRecord.nullish() }),
  ),
});

export const CreatedRecord = z.object({ attributes: Attributes, Id: id, CreatedDate: datetime });

/** `GET /query` and `GET <nextRecordsUrl>`. */
export function queryResult<T extends z.ZodType>(record: T) {
  return z.object({
    totalSize: z.number().int().nonnegative(),
    done: z.boolean(),
    nextRecordsUrl: z.string().optional(),
    records: z.array(record),
  });
}
export type QueryResult<T> = {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string | undefined;
  records: T[];
};

/** `POST /composite/sobjects/{SObject}` retrieve: one slot per id asked, null where none. */
export function retrieveResult<T extends z.ZodType>(record: T) {
  return z.array(record.nullable());
}

/** `POST /sobjects/{SObject}/` → 201. */
export const CreateResult = z.object({
  id,
  success: z.boolean(),
  errors: z.array(z.unknown()).default([]),
});

/**
 * `PATCH /sobjects/{SObject}/{field}/{value}` (upsert by External ID): 201 made, 200 changed, each
 * with `created` from API v46; before v46 a change answered 204 with no body (undefined here).
 */
export const UpsertResult = z.union([
  z.object({
    id,
    success: z.boolean(),
    errors: z.array(z.unknown()).default([]),
    created: z.boolean().optional(),
  }),
  z.undefined(),
]);

/** `GET /sobjects/{SObject}/describe`: what Concord checks of a field (the rest is ignored). */
export const DescribeResult = z.object({
  name: z.string(),
  fields: z.array(
    z.object({
      name: z.string(),
      type: z.string(),
      externalId: z.boolean().optional(),
      unique: z.boolean().optional(),
      createable: z.boolean().optional(),
      updateable: z.boolean().optional(),
    }),
  ),
});
export type DescribeResult = z.infer<typeof DescribeResult>;

/** `GET /sobjects/{SObject}/updated/?start=&end=` (FACTS §7.1). */
export const UpdatedResult = z.object({
  ids: z.array(id),
  latestDateCovered: datetime,
});

/** `GET /sobjects/{SObject}/deleted/?start=&end=`. */
export const DeletedResult = z.object({
  deletedRecords: z.array(z.object({ id, deletedDate: datetime })),
  earliestDateAvailable: datetime.nullish(),
  latestDateCovered: datetime,
});

/** The error body: a JSON array (FACTS §4). */
export const ErrorBody = z.array(
  z.object({
    errorCode: z.string(),
    message: z.string().optional(),
    fields: z.array(z.string()).optional(),
  }),
);

/** 204s (update, delete) have no body. */
export const NoContent = z.unknown();
