/**
 * The four benchmark scenarios: their GraphQL documents, and for each the fewest upstream calls the
 * providers' batch limits allow (the floor) and the number of dependent upstream round trips
 * (levels) on its critical path, both worked out from the sandbox's data set.
 */
import type { Dataset } from '../sandbox/data/dataset.js';
import type { ProviderName } from '../sandbox/index.js';

export type Calls = Record<ProviderName, number>;

/** HubSpot batch read size; Stripe search OR clauses and page size; HubSpot search page and window. */
const HUBSPOT_BATCH = 100;
const STRIPE_CLAUSES = 10;
const STRIPE_PAGE = 100;
const HUBSPOT_SEARCH_PAGE = 200;
const HUBSPOT_SEARCH_WINDOW = 10_000;
const DAY = 86_400_000;

/** Customers on the dashboard, payments per page while walking, days of metrics. */
export const DASHBOARD_SIZE = 50;
export const WALK_PAGE_SIZE = 20;
export const METRICS_DAYS = 90;

export interface Scenario {
  key: 'dashboard' | 'customer' | 'walk' | 'metrics';
  title: string;
  /** What one sample is: a query, or a walk of several queries. */
  unit: string;
  query: string;
  /** Variables per build (ids differ: each build mints its own). */
  variables: Record<string, unknown>;
  floor: Calls;
  /** Dependent upstream round trips; × injected latency = the critical path. */
  levels: number;
  /** How the levels were counted, for the report. */
  levelsNote: string;
}

export const DASHBOARD = `query Dashboard($since: DateTime!, $until: DateTime!) {
  customers(first: ${DASHBOARD_SIZE}) { edges { node {
    id name email company { name domain }
    deals(status: OPEN) { totalCount edges { node { name stage amount { amount currency } } } }
    payments(first: 5) { edges { node { amount { amount currency } status createdAt } } }
    lifetimeValue { amount currency formatted }
    activity(since: $since, until: $until) { eventCount activeDays lastSeenAt }
  } } } }`;

const CUSTOMER = `query Customer($id: ID!, $since: DateTime!, $until: DateTime!) {
  customer(id: $id) {
    id name email phone jobTitle createdAt company { name domain }
    deals(status: OPEN) { totalCount edges { node { name stage amount { amount currency } } } }
    payments(first: 5) { edges { node { id status createdAt amount { amount currency formatted } } } }
    invoices(first: 5) { edges { node { number status amountDue { amount currency } } } }
    subscriptions { id status planName }
    lifetimeValue { amount currency formatted }
    activity(since: $since, until: $until) { eventCount activeDays lastSeenAt }
    links { domain provider externalId }
  } }`;

export const WALK_PAGE = `query PaymentsPage($id: ID!, $after: String) {
  node(id: $id) { ... on Customer { id payments(first: ${WALK_PAGE_SIZE}, after: $after) {
    edges { cursor node { id status createdAt amount { amount currency } } }
    pageInfo { hasNextPage endCursor } } } } }`;

const METRICS = `query Metrics($since: DateTime!, $until: DateTime!) {
  metrics(since: $since, until: $until, interval: DAY) {
    buckets { start end revenue { amount currency } activeUsers newCustomers } } }`;

const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));

/** Index of each contact's Stripe customer (-1 for none), and charges per Stripe customer. */
function links(dataset: Dataset) {
  const customerOf = new Map<number, number>();
  dataset.customers.forEach((c, i) => customerOf.set(c.contact, i));
  const charges = new Map<number, number>();
  for (const c of dataset.charges) charges.set(c.customer, (charges.get(c.customer) ?? 0) + 1);
  return { customerOf, charges };
}

/**
 * The dashboard floor, as test/integration/gateway/dashboard.test.ts works it out: HubSpot 1 list
 * + companies/100 + 1 association read per 1000 contacts + deals/100; Stripe 1 search per 10
 * contacts + per group of 10 customers their charges/100; PostHog 1 query.
 */
function dashboard(dataset: Dataset, count: number): Pick<Scenario, 'floor' | 'levels' | 'levelsNote'> {
  const { customerOf, charges } = links(dataset);
  const indexes = [...Array(count).keys()];
  const companies = new Set(
    indexes.map((i) => dataset.contacts[i]?.company).filter((c) => c !== undefined && c >= 0),
  );
  const deals = dataset.deals.filter((d) => d.contact < count).length;
  const customers = indexes.map((i) => customerOf.get(i)).filter((c) => c !== undefined);
  let chargeSearches = 0;
  let deepest = 1;
  for (let g = 0; g < customers.length; g += STRIPE_CLAUSES) {
    const n = customers.slice(g, g + STRIPE_CLAUSES).reduce((sum, c) => sum + (charges.get(c) ?? 0), 0);
    chargeSearches += pages(n, STRIPE_PAGE);
    deepest = Math.max(deepest, pages(n, STRIPE_PAGE));
  }
  return {
    floor: {
      hubspot:
        1 +
        Math.ceil(companies.size / HUBSPOT_BATCH) +
        Math.ceil(count / 1000) +
        Math.ceil(deals / HUBSPOT_BATCH),
      stripe: Math.ceil(count / STRIPE_CLAUSES) + chargeSearches,
      posthog: 1,
    },
    levels: 2 + deepest,
    levelsNote: `contacts list → companies · deal associations · customer search · activity → deals · charge search (${deepest} page${deepest > 1 ? 's' : ''} in a row)`,
  };
}

/** The contact among the dashboard's whose customer has the most charges (and a company and deals, if any do). */
export function pickContact(dataset: Dataset): number {
  const { customerOf, charges } = links(dataset);
  let best = 0;
  let bestScore = -1;
  for (let i = 0; i < DASHBOARD_SIZE; i++) {
    const customer = customerOf.get(i);
    if (customer === undefined) continue;
    const hasDeals = dataset.deals.some((d) => d.contact === i);
    const score =
      (charges.get(customer) ?? 0) +
      (hasDeals ? 1e6 : 0) +
      ((dataset.contacts[i]?.company ?? -1) >= 0 ? 1e6 : 0);
    if (score > bestScore) [best, bestScore] = [i, score];
  }
  return best;
}

function customer(dataset: Dataset, index: number): Pick<Scenario, 'floor' | 'levels' | 'levelsNote'> {
  const { customerOf, charges } = links(dataset);
  const stripeCustomer = customerOf.get(index);
  const hasCompany = (dataset.contacts[index]?.company ?? -1) >= 0;
  const deals = dataset.deals.filter((d) => d.contact === index).length;
  const chargePages = stripeCustomer === undefined ? 0 : pages(charges.get(stripeCustomer) ?? 0, STRIPE_PAGE);
  return {
    floor: {
      hubspot: 1 + (hasCompany ? 1 : 0) + 1 + (deals > 0 ? 1 : 0),
      stripe: 1 + (stripeCustomer === undefined ? 0 : chargePages + 2),
      posthog: 1,
    },
    levels: 2 + Math.max(1, chargePages),
    levelsNote: `contact → company · deal associations · customer search · activity → deals · invoices · subscriptions · charges (${chargePages} page${chargePages > 1 ? 's' : ''} in a row)`,
  };
}

function walk(
  dataset: Dataset,
  index: number,
): Pick<Scenario, 'floor' | 'levels' | 'levelsNote'> & { pages: number } {
  const { customerOf, charges } = links(dataset);
  const n = charges.get(customerOf.get(index) ?? -1) ?? 0;
  const chargePages = pages(n, STRIPE_PAGE);
  return {
    floor: { hubspot: 1, stripe: 1 + chargePages, posthog: 0 },
    levels: 2 + chargePages,
    levelsNote: `contact → customer search → charges (${chargePages} page${chargePages > 1 ? 's' : ''}); later pages of the walk need no new upstream data`,
    pages: Math.max(1, Math.ceil(n / WALK_PAGE_SIZE)),
  };
}

function metrics(
  dataset: Dataset,
  since: number,
  until: number,
): Pick<Scenario, 'floor' | 'levels' | 'levelsNote'> {
  const charges = dataset.charges.filter((c) => c.createdAt >= since && c.createdAt < until).length;
  const created = dataset.contacts.filter((c) => c.createdAt >= since && c.createdAt < until).length;
  const stripePages = pages(charges, STRIPE_PAGE);
  const searchPages = pages(created, HUBSPOT_SEARCH_PAGE);
  // HubSpot: one search, then either its remaining pages or one count per bucket, whichever is fewer.
  const hubspot =
    created > HUBSPOT_SEARCH_WINDOW ? 1 + METRICS_DAYS : 1 + Math.min(searchPages - 1, METRICS_DAYS);
  return {
    floor: { hubspot, stripe: stripePages, posthog: 1 },
    levels: Math.max(stripePages, created > HUBSPOT_SEARCH_WINDOW ? 2 : searchPages),
    levelsNote: `the three providers in parallel; Stripe walks ${charges} charges ${STRIPE_PAGE} at a time (${stripePages} pages in a row)`,
  };
}

export interface ScenarioInputs {
  dataset: Dataset;
  /** Each build's global id of the chosen customer. */
  customerId: string;
  contactIndex: number;
}

/** The scenarios over `dataset`, with the variables one build needs. */
export function scenarios({
  dataset,
  customerId,
  contactIndex,
}: ScenarioInputs): Array<Scenario & { pages?: number }> {
  const until = dataset.anchor;
  const window = { since: new Date(until - 30 * DAY).toISOString(), until: new Date(until).toISOString() };
  const metricsSince = until - METRICS_DAYS * DAY;
  return [
    {
      key: 'dashboard',
      title: `Dashboard (${DASHBOARD_SIZE} customers)`,
      unit: 'query',
      query: DASHBOARD,
      variables: window,
      ...dashboard(dataset, DASHBOARD_SIZE),
    },
    {
      key: 'customer',
      title: 'One customer, everything',
      unit: 'query',
      query: CUSTOMER,
      variables: { id: customerId, ...window },
      ...customer(dataset, contactIndex),
    },
    {
      key: 'walk',
      title: `Payments walk (first: ${WALK_PAGE_SIZE} to the end)`,
      unit: 'walk',
      query: WALK_PAGE,
      variables: { id: customerId },
      ...walk(dataset, contactIndex),
    },
    {
      key: 'metrics',
      title: `Metrics, ${METRICS_DAYS} days by day`,
      unit: 'query',
      query: METRICS,
      variables: { since: new Date(metricsSince).toISOString(), until: window.until },
      ...metrics(dataset, metricsSince, until),
    },
  ];
}
