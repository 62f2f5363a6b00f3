import type { CompanyRecord, ContactRecord, Dataset, DealRecord, DealStage } from '../data/dataset.js';
import { salesforceId } from './ids.js';
import type { FieldValue, SfRecord } from './records.js';
import { OPPORTUNITY_STAGES, type INDUSTRIES } from './schema.js';
import { formatDate } from './records.js';

/** The org's users: the integration user first, then the three sales reps who own records. */
export const USERS = [
  { n: 1, first: 'Integration', last: 'User', email: 'integration@concord-sandbox.example' },
  { n: 2, first: 'Avery', last: 'Stone', email: 'avery.stone@concord-sandbox.example' },
  { n: 3, first: 'Jordan', last: 'Reyes', email: 'jordan.reyes@concord-sandbox.example' },
  { n: 4, first: 'Morgan', last: 'Lee', email: 'morgan.lee@concord-sandbox.example' },
] as const;

/** The user the token endpoint's identity URL names (the connected app runs as the integration user). */
export const INTEGRATION_USER_ID = salesforceId('User', USERS[0].n);

/** Record ids from the data set's CRM ids, so one seed gives the same ids every run. */
export const seededIds = {
  account: (company: CompanyRecord) => salesforceId('Account', Number(company.crmId)),
  contact: (contact: ContactRecord) => salesforceId('Contact', Number(contact.crmId)),
  opportunity: (deal: DealRecord) => salesforceId('Opportunity', Number(deal.crmId)),
  contactRole: (deal: DealRecord) => salesforceId('OpportunityContactRole', Number(deal.crmId)),
};

/** Owners as the HubSpot twin assigns them (three reps and every fourth record unowned); unowned goes to the integration user. */
function ownerOf(crmId: string): string {
  const slot = Number(crmId) % USERS.length;
  return salesforceId('User', slot < USERS.length - 1 ? (USERS[slot + 1]?.n ?? 1) : USERS[0].n);
}

const INDUSTRY: Record<string, (typeof INDUSTRIES)[number]> = {
  COMPUTER_SOFTWARE: 'Technology',
  INFORMATION_TECHNOLOGY_AND_SERVICES: 'Consulting',
  FINANCIAL_SERVICES: 'Finance',
  RETAIL: 'Retail',
  HOSPITAL_HEALTH_CARE: 'Healthcare',
  MARKETING_AND_ADVERTISING: 'Media',
  EDUCATION_MANAGEMENT: 'Education',
  LOGISTICS_AND_SUPPLY_CHAIN: 'Transportation',
};

/** HubSpot's default pipeline stages onto Salesforce's default sales process. */
export const STAGE_OF: Record<DealStage, (typeof OPPORTUNITY_STAGES)[number]['name']> = {
  appointmentscheduled: 'Prospecting',
  qualifiedtobuy: 'Qualification',
  presentationscheduled: 'Value Proposition',
  decisionmakerboughtin: 'Id. Decision Makers',
  contractsent: 'Negotiation/Review',
  closedwon: 'Closed Won',
  closedlost: 'Closed Lost',
};

export function stageFields(stageName: string): Record<string, FieldValue> {
  const stage = OPPORTUNITY_STAGES.find((s) => s.name === stageName);
  return stage
    ? { StageName: stage.name, Probability: stage.probability, IsClosed: stage.closed, IsWon: stage.won }
    : { StageName: stageName };
}

const stamps = (createdAt: number, updatedAt: number): Record<string, FieldValue> => ({
  CreatedDate: createdAt,
  LastModifiedDate: updatedAt,
  SystemModstamp: updatedAt,
  IsDeleted: false,
});

const live = (type: SfRecord['type'], id: string, fields: Record<string, FieldValue>): SfRecord => ({
  type,
  id,
  fields: { Id: id, ...fields },
  deletedAt: null,
});

/** Major units without float noise: Salesforce currency fields are JSON numbers in major units. */
function majorAmount(deal: DealRecord): number {
  return deal.currency === 'jpy' ? deal.amountMinor : Math.round(deal.amountMinor) / 100;
}

/** Every record of the org, built from the provider-neutral data set. */
export function seedRecords(dataset: Dataset): SfRecord[] {
  const records: SfRecord[] = [];
  const orgCreated = Math.min(
    dataset.anchor - 5 * 365 * 86_400_000,
    ...dataset.companies.map((c) => c.createdAt),
  );
  for (const user of USERS) {
    const id = salesforceId('User', user.n);
    records.push(
      live('User', id, {
        Username: user.email,
        FirstName: user.first,
        LastName: user.last,
        Name: `${user.first} ${user.last}`,
        Email: user.email,
        IsActive: true,
        ...stamps(orgCreated, orgCreated),
      }),
    );
  }
  OPPORTUNITY_STAGES.forEach((stage, i) => {
    records.push(
      live('OpportunityStage', salesforceId('OpportunityStage', i + 1), {
        ApiName: stage.name,
        MasterLabel: stage.name,
        IsActive: true,
        IsClosed: stage.closed,
        IsWon: stage.won,
        DefaultProbability: stage.probability,
        SortOrder: i + 1,
        ...stamps(orgCreated, orgCreated),
      }),
    );
  });
  for (const company of dataset.companies) {
    records.push(
      live('Account', seededIds.account(company), {
        Name: company.name,
        Website: company.domain,
        Industry: INDUSTRY[company.industry] ?? null,
        NumberOfEmployees: company.employees,
        Phone: company.phone,
        BillingCity: company.city,
        BillingCountry: company.country,
        CurrencyIsoCode: 'USD',
        OwnerId: ownerOf(company.crmId),
        ...stamps(company.createdAt, company.updatedAt),
      }),
    );
  }
  for (const contact of dataset.contacts) {
    const company = dataset.companies[contact.company];
    records.push(
      live('Contact', seededIds.contact(contact), {
        FirstName: contact.firstName,
        LastName: contact.lastName,
        Name: `${contact.firstName} ${contact.lastName}`,
        Email: contact.email,
        Phone: contact.phone,
        MobilePhone: null,
        Title: contact.jobTitle,
        LeadSource: null,
        MailingCity: company?.city ?? null,
        MailingCountry: company?.country ?? null,
        AccountId: company ? seededIds.account(company) : null,
        OwnerId: ownerOf(contact.crmId),
        ...stamps(contact.createdAt, contact.updatedAt),
      }),
    );
  }
  for (const deal of dataset.deals) {
    const contact = dataset.contacts[deal.contact];
    const company = dataset.companies[deal.company];
    const opportunityId = seededIds.opportunity(deal);
    records.push(
      live('Opportunity', opportunityId, {
        Name: deal.name,
        Amount: majorAmount(deal),
        CurrencyIsoCode: deal.currency.toUpperCase(),
        ...stageFields(STAGE_OF[deal.stage]),
        CloseDate: formatDate(deal.closeDate),
        AccountId: company ? seededIds.account(company) : null,
        ContactId: contact ? seededIds.contact(contact) : null,
        OwnerId: contact ? ownerOf(contact.crmId) : ownerOf(deal.crmId),
        ...stamps(deal.createdAt, deal.updatedAt),
      }),
    );
    if (contact) {
      records.push(
        live('OpportunityContactRole', seededIds.contactRole(deal), {
          OpportunityId: opportunityId,
          ContactId: seededIds.contact(contact),
          Role: 'Decision Maker',
          IsPrimary: true,
          ...stamps(deal.createdAt, deal.createdAt),
        }),
      );
    }
  }
  return records;
}
