import type { Dataset } from '../data/dataset.js';
import { seededIds } from './seed.js';

/** Which CRM the other twins link to: Stripe's `metadata.crm_contact_id` and PostHog's `distinct_id` hold its contact ids. */
export type LinkedCrm = 'hubspot' | 'salesforce';

/**
 * The data set as the Stripe and PostHog twins see it when Salesforce is the CRM: the same people,
 * known by their Salesforce contact ids, so either CRM answers the same dashboard.
 */
export function linkedToSalesforce(dataset: Dataset): Dataset {
  return { ...dataset, contacts: dataset.contacts.map((c) => ({ ...c, crmId: seededIds.contact(c) })) };
}
