import { createHash } from 'node:crypto';
import { z } from 'zod';
import { json, route, type RouteDef } from '../../http/route.js';
import { invalidRequest, resourceMissing } from '../errors.js';
import { planExpand } from '../expand.js';
import { idParams, list, retrieve, retrieveQuery, search, searchQuery, type Resource } from '../handlers.js';
import { renderCustomer } from '../objects.js';
import { expandParam, listParams, metadataParam, rangeParam } from '../params.js';
import type { SearchSchema } from '../search-query.js';
import type { StripeRuntime } from '../runtime.js';
import type { CustomerState, Metadata } from '../store.js';

const TAGS = ['Customers'];

export const customerSearchSchema: SearchSchema<CustomerState> = {
  resource: 'customers',
  fields: {
    email: { kind: 'text', get: (c) => c.email },
    name: { kind: 'text', get: (c) => c.name },
    phone: { kind: 'text', get: (c) => c.phone },
    created: { kind: 'number', get: (c) => c.created },
  },
  metadata: (c) => c.metadata,
};

const listQuery = z
  .object({
    ...listParams,
    created: rangeParam().optional().describe('Created time (unix seconds) or a range created[gte]=…'),
    email: z.string().max(512).optional().describe('Exact, case-sensitive email'),
    test_clock: z.string().optional().describe('Test clock id (the sandbox has none)'),
  })
  .strict();

/** Form fields of create and update; an empty string clears a nullable field. */
const writeBody = z
  .object({
    name: z.string().max(256).optional().describe('Full name or business name'),
    email: z.string().max(512).optional().describe('Email address'),
    phone: z.string().max(20).optional().describe('Phone number'),
    description: z.string().max(350).optional().describe('Free text'),
    metadata: z.union([metadataParam, z.literal('')]).optional(),
    expand: expandParam,
  })
  .strict();
type WriteBody = z.output<typeof writeBody>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function orNull(value: string | undefined, current: string | null): string | null {
  if (value === undefined) return current;
  return value === '' ? null : value;
}

function mergeMetadata(current: Metadata, patch: WriteBody['metadata']): Metadata {
  if (patch === undefined) return current;
  if (patch === '') return {};
  const merged: Metadata = { ...current, ...patch };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== ''));
}

/** Checks Stripe makes before writing: a customer has nothing to expand, and emails must look like emails. */
function writeProblem(body: WriteBody) {
  const plan = planExpand(body.expand, {}, 'object');
  if (!plan.ok) return plan.reply;
  if (body.email === undefined || body.email === '' || EMAIL.test(body.email)) return null;
  return invalidRequest(`Invalid email address: ${body.email}`, 'email', 'email_invalid');
}

export function customerRoutes(rt: StripeRuntime): RouteDef[] {
  const resource: Resource<CustomerState> = {
    objectType: 'customer',
    collection: rt.store.customers,
    render: renderCustomer,
    expanders: rt.expanders.none,
  };
  return [
    route({
      method: 'GET',
      path: '/v1/customers',
      operationId: 'listCustomers',
      summary: 'List customers, newest first',
      tags: TAGS,
      query: listQuery,
      responses: { 200: 'A list of customers', 400: 'Bad parameter' },
      handle: ({ query }) =>
        list(resource, '/v1/customers', {
          ...query,
          source: rt.store.customers.all,
          matches: (c) =>
            (query.email === undefined || c.email === query.email) && query.test_clock === undefined,
        }),
    }),
    route({
      method: 'GET',
      path: '/v1/customers/search',
      operationId: 'searchCustomers',
      summary: 'Search customers with the search query language',
      tags: TAGS,
      query: searchQuery,
      responses: { 200: 'A search result', 400: 'Bad query' },
      handle: ({ query }) => search(resource, customerSearchSchema, rt.pages, query),
    }),
    route({
      method: 'GET',
      path: '/v1/customers/{id}',
      operationId: 'retrieveCustomer',
      summary: 'Retrieve a customer',
      tags: TAGS,
      params: idParams,
      query: retrieveQuery,
      responses: { 200: 'The customer', 404: 'No such customer' },
      handle: ({ params, query }) => retrieve(resource, params.id, query.expand),
    }),
    route({
      method: 'POST',
      path: '/v1/customers',
      operationId: 'createCustomer',
      summary: 'Create a customer',
      tags: TAGS,
      body: writeBody,
      bodyEncoding: 'form',
      responses: { 200: 'The new customer', 400: 'Bad parameter' },
      handle: (input) =>
        rt.idempotency.run(input, () => {
          const body = input.body;
          const problem = writeProblem(body);
          if (problem) return problem;
          const { id, created } = rt.store.mint('cus');
          const customer: CustomerState = {
            id,
            created,
            name: orNull(body.name, null),
            email: orNull(body.email, null),
            phone: orNull(body.phone, null),
            description: orNull(body.description, null),
            metadata: mergeMetadata({}, body.metadata),
            currency: null,
            invoicePrefix: createHash('sha256').update(id).digest('hex').slice(0, 8).toUpperCase(),
            nextInvoiceSequence: 1,
            delinquent: false,
          };
          rt.store.customers.insert(customer);
          return json(200, renderCustomer(customer));
        }),
    }),
    route({
      method: 'POST',
      path: '/v1/customers/{id}',
      operationId: 'updateCustomer',
      summary: 'Update a customer (unset fields stay; empty strings clear)',
      tags: TAGS,
      params: idParams,
      body: writeBody,
      bodyEncoding: 'form',
      responses: { 200: 'The updated customer', 400: 'Bad parameter', 404: 'No such customer' },
      handle: (input) =>
        rt.idempotency.run(input, () => {
          const customer = rt.store.customers.get(input.params.id);
          if (!customer) return resourceMissing('customer', input.params.id);
          const body = input.body;
          const problem = writeProblem(body);
          if (problem) return problem;
          customer.name = orNull(body.name, customer.name);
          customer.email = orNull(body.email, customer.email);
          customer.phone = orNull(body.phone, customer.phone);
          customer.description = orNull(body.description, customer.description);
          customer.metadata = mergeMetadata(customer.metadata, body.metadata);
          rt.store.customers.touch();
          return json(200, renderCustomer(customer));
        }),
    }),
  ];
}
