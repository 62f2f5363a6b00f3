import type { ContactRecord, Dataset } from './dataset.js';

/**
 * The customer the README's first examples name (`customer(email: "ada@example.com")`): one contact
 * of the generated data, renamed, so every twin (HubSpot, Salesforce, Stripe, PostHog), which all
 * render from the one data set, knows her by the same name, email and links.
 */
export const ADA = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.com',
  jobTitle: 'Analyst',
  lifecycleStage: 'customer',
} as const satisfies Partial<ContactRecord>;

/** Enough payments that the README's `payments(last: 10)` fills a page and can go back further. */
export const ADA_MIN_PAYMENTS = 12;

/**
 * The contact to become Ada: the first with a company, a deal, a payment account and at least
 * ADA_MIN_PAYMENTS payments, so each example has something to show; failing that (a tiny data set),
 * the first with a payment account, then the first contact. Only her name, email, job title and
 * lifecycle stage change: ids, links and every other record stay as generated (the same seed still
 * gives the same data, Ada included).
 */
export function adaIndex(dataset: Dataset): number {
  const chargesOf = new Map<number, number>();
  for (const charge of dataset.charges)
    chargesOf.set(charge.customer, (chargesOf.get(charge.customer) ?? 0) + 1);
  const withDeal = new Set(dataset.deals.map((deal) => deal.contact));
  const accountOf = new Map<number, number>();
  dataset.customers.forEach((customer, index) => accountOf.set(customer.contact, index));
  const payments = (contact: number): number => {
    const account = accountOf.get(contact);
    return account === undefined ? -1 : (chargesOf.get(account) ?? 0);
  };
  const best = dataset.contacts.findIndex(
    (contact, i) => contact.company >= 0 && withDeal.has(i) && payments(i) >= ADA_MIN_PAYMENTS,
  );
  if (best >= 0) return best;
  const anyAccount = dataset.contacts.findIndex((_, i) => accountOf.has(i));
  return anyAccount >= 0 ? anyAccount : 0;
}

/** Renames one contact to Ada (in place); the data set's ids are untouched. */
export function seedAda(dataset: Dataset): Dataset {
  const index = adaIndex(dataset);
  const contact = dataset.contacts[index];
  if (contact) dataset.contacts[index] = { ...contact, ...ADA };
  return dataset;
}
