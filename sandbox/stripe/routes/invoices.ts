import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import { idParams, list, retrieve, retrieveQuery, search, searchQuery, type Resource } from '../handlers.js';
import { renderInvoice } from '../objects.js';
import { inRange, listParams, rangeParam } from '../params.js';
import type { StripeRuntime } from '../runtime.js';
import type { SearchSchema } from '../search-query.js';
import type { InvoiceState } from '../store.js';

const TAGS = ['Invoices'];
const STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'] as const;

export const invoiceSearchSchema: SearchSchema<InvoiceState> = {
  resource: 'invoices',
  fields: {
    customer: { kind: 'id', get: (i) => i.customerId },
    status: { kind: 'token', get: (i) => i.record.status },
    total: { kind: 'number', get: (i) => i.record.amountDue },
    currency: { kind: 'token', get: (i) => i.record.currency },
    created: { kind: 'number', get: (i) => i.created },
    subscription: { kind: 'id', get: (i) => i.subscriptionId },
    number: { kind: 'text', get: (i) => (i.record.status === 'draft' ? null : i.record.number) },
  },
  metadata: () => ({}),
};

const listQuery = z
  .object({
    ...listParams,
    created: rangeParam().optional().describe('Created time (unix seconds) or a range created[gte]=…'),
    customer: z.string().optional().describe('Only invoices of this customer'),
    subscription: z.string().optional().describe('Only invoices of this subscription'),
    status: z.enum(STATUSES).optional().describe('Only invoices with this status'),
    collection_method: z
      .enum(['charge_automatically', 'send_invoice'])
      .optional()
      .describe('How they are paid'),
    due_date: rangeParam().optional().describe('Due date (unix seconds) or a range'),
  })
  .strict();

export function invoiceRoutes(rt: StripeRuntime): RouteDef[] {
  const resource: Resource<InvoiceState> = {
    objectType: 'invoice',
    collection: rt.store.invoices,
    render: renderInvoice,
    expanders: rt.expanders.invoice,
  };
  return [
    route({
      method: 'GET',
      path: '/v1/invoices',
      operationId: 'listInvoices',
      summary: 'List invoices, newest first',
      tags: TAGS,
      query: listQuery,
      responses: { 200: 'A list of invoices', 400: 'Bad parameter' },
      handle: ({ query }) =>
        list(resource, '/v1/invoices', {
          ...query,
          source:
            query.customer === undefined ? rt.store.invoices.all : rt.store.invoices.group(query.customer),
          matches: (i) =>
            (query.subscription === undefined || i.subscriptionId === query.subscription) &&
            (query.status === undefined || i.record.status === query.status) &&
            (query.collection_method === undefined || query.collection_method === 'charge_automatically') &&
            (query.due_date === undefined ||
              (i.record.dueDate !== null && inRange(Math.floor(i.record.dueDate / 1000), query.due_date))),
        }),
    }),
    route({
      method: 'GET',
      path: '/v1/invoices/search',
      operationId: 'searchInvoices',
      summary: 'Search invoices with the search query language',
      tags: TAGS,
      query: searchQuery,
      responses: { 200: 'A search result', 400: 'Bad query' },
      handle: ({ query }) => search(resource, invoiceSearchSchema, rt.pages, query, 'customer'),
    }),
    route({
      method: 'GET',
      path: '/v1/invoices/{id}',
      operationId: 'retrieveInvoice',
      summary: 'Retrieve an invoice',
      tags: TAGS,
      params: idParams,
      query: retrieveQuery,
      responses: { 200: 'The invoice', 404: 'No such invoice' },
      handle: ({ params, query }) => retrieve(resource, params.id, query.expand),
    }),
  ];
}
