import { RECENT_PAYMENTS, lifetimeValueOf } from '../../datasources/payment-summary.js';
import type { Contact, Deal, Invoice, PaymentAccount } from '../../datasources/model.js';
import { renewLoaders, type RequestContext } from '../graphql/context.js';
import { ConcordError, ErrorCode, UserInputError } from '../errors/concord-error.js';
import type {
  CustomerResolvers,
  MutationResolvers,
  QueryResolvers,
  SubscriptionResolvers,
} from '../generated/resolvers-types.js';
import { idOfType, toGlobalId } from '../relay/global-ids.js';
import { connectionFromList, lazyScope } from '../relay/connection.js';
import { providerConnection } from './provider-connection.js';
import type { ChangeEvent } from '../subscriptions/events.js';
import { changesFor } from '../subscriptions/listen.js';
import { createCustomer, updateCustomer } from '../writes/customers.js';
import { mutate, payloadParts } from '../writes/index.js';
import { DAY_MS, DEFAULT_ACTIVITY_DAYS, MINUTE_MS, orThrow, pageArgs, scopeOf } from './support.js';

function accountOf(contact: Contact, ctx: RequestContext): Promise<PaymentAccount | null> {
  return ctx.loaders.accountOfContact.load(contact.id);
}

export const customerQueries: Pick<QueryResolvers, 'customer' | 'customers'> = {
  customer: async (_root, { id, email }, ctx) => {
    if ((id == null) === (email == null)) {
      throw new UserInputError('Give exactly one of `id` or `email`.', id == null ? 'id' : 'email');
    }
    if (id != null) return ctx.loaders.contact.load(idOfType(id, 'Customer'));
    return ctx.loaders.contactByEmail.load(email as string);
  },
  customers: (_root, args, ctx, info) => {
    const filter = args.filter ?? {};
    const crmFilter = {
      ...(filter.email != null ? { email: filter.email } : {}),
      ...(filter.createdAfter != null ? { createdAfter: filter.createdAfter } : {}),
      ...(filter.createdBefore != null ? { createdBefore: filter.createdBefore } : {}),
      ...(filter.companyId != null
        ? { companyId: idOfType(filter.companyId, 'Company', 'filter.companyId') }
        : {}),
    };
    return providerConnection(ctx, args, info, {
      domain: 'crm',
      kind: 'Query.customers',
      scope: scopeOf(crmFilter),
      list: (page) => ctx.services.providers.crm.listContacts(page, crmFilter),
      prime: (contact) => ctx.loaders.contact.prime(contact.id, contact),
    });
  },
};

export const Customer: CustomerResolvers = {
  id: (contact) => toGlobalId('Customer', contact.id),
  name: (contact) => [contact.firstName, contact.lastName].filter(Boolean).join(' ') || null,
  company: (contact, _args, ctx) => (contact.companyId ? ctx.loaders.company.load(contact.companyId) : null),
  deals: async (contact, args, ctx) => {
    // Held in memory (from the loaders), so Concord pages it either way whatever the provider can.
    const request = pageArgs(ctx, args, true);
    const ids = await ctx.loaders.dealIdsOfContact.load(contact.id);
    const deals = orThrow(await ctx.loaders.deal.loadMany(ids)).filter(
      (deal): deal is Deal => deal !== null && (args.status == null || deal.status === args.status),
    );
    const scope = lazyScope('Customer.deals', () =>
      scopeOf({ contact: contact.id, status: args.status ?? null }),
    );
    return connectionFromList(deals, (d) => d.id, request, ctx.services.cursors, scope);
  },
  payments: async (contact, args, ctx) => {
    const request = pageArgs(ctx, args, true);
    const account = await accountOf(contact, ctx);
    const scope = lazyScope('Customer.payments', () =>
      scopeOf({ contact: contact.id, status: args.status ?? null }),
    );
    const newestOnly =
      request.direction === 'forward' &&
      request.cursor === null &&
      args.status == null &&
      request.size <= RECENT_PAYMENTS;
    if (account && newestOnly) {
      // The first page needs only the summary (small, cached), not the whole history.
      const summary = await ctx.loaders.paymentSummary.load(account.id);
      const { cursors } = ctx.services;
      return connectionFromList(summary.recent, (p) => p.id, request, cursors, scope, summary.count);
    }
    const payments = account ? await ctx.loaders.paymentsOfAccount.load(account.id) : [];
    const wanted = args.status == null ? payments : payments.filter((p) => p.status === args.status);
    return connectionFromList(wanted, (p) => p.id, request, ctx.services.cursors, scope);
  },
  invoices: (contact, args, ctx, info) =>
    providerConnection<Invoice>(ctx, args, info, {
      domain: 'payments',
      kind: 'Customer.invoices',
      scope: scopeOf({ contact: contact.id }),
      list: async (page) => {
        const account = await accountOf(contact, ctx);
        return account ? ctx.services.providers.payments.listInvoices(page, { accountId: account.id }) : null;
      },
    }),
  subscriptions: async (contact, _args, ctx) => {
    const account = await accountOf(contact, ctx);
    return account ? ctx.loaders.subscriptionsOfAccount.load(account.id) : [];
  },
  lifetimeValue: async (contact, _args, ctx) => {
    const account = await accountOf(contact, ctx);
    if (!account?.currency) return null;
    return lifetimeValueOf(await ctx.loaders.paymentSummary.load(account.id), account.currency);
  },
  activity: (contact, args, ctx) => {
    // The default window ends on a whole minute, so repeated requests share one cache entry.
    const until = args.until ?? new Date(Math.floor(ctx.now.getTime() / MINUTE_MS) * MINUTE_MS);
    const since = args.since ?? new Date(until.getTime() - DEFAULT_ACTIVITY_DAYS * DAY_MS);
    if (since.getTime() >= until.getTime())
      throw new UserInputError('`since` must be before `until`.', 'since');
    return ctx.loaders.activity.load({ contactId: contact.id, since, until });
  },
  events: (contact, args, ctx, info) =>
    providerConnection(ctx, args, info, {
      domain: 'analytics',
      kind: 'Customer.events',
      scope: scopeOf({ contact: contact.id, name: args.name ?? null }),
      list: (page) =>
        ctx.services.providers.analytics.listEvents(page, {
          contactId: contact.id,
          ...(args.name != null ? { name: args.name } : {}),
        }),
    }),
  links: async (contact, _args, ctx) => {
    const account = await accountOf(contact, ctx);
    const analytics = ctx.services.providers.analytics;
    return [
      contact.ref,
      ...(account ? [account.ref] : []),
      // The analytics person is keyed by the contact id itself, so its link needs no lookup.
      { domain: 'ANALYTICS' as const, provider: analytics.name, externalId: contact.id, url: null },
    ];
  },
};

async function customerPayload(
  ctx: RequestContext,
  input: { clientMutationId?: string | null },
  outcome: Awaited<ReturnType<typeof mutate<{ clientMutationId?: string | null }, { contactId: string }>>>,
) {
  const { record, ...parts } = payloadParts(input, outcome);
  return { ...parts, customer: record ? await ctx.loaders.contact.load(record.contactId) : null };
}

export const customerMutations: Pick<MutationResolvers, 'createCustomer' | 'updateCustomer'> = {
  createCustomer: async (_root, { input }, ctx) =>
    customerPayload(ctx, input, await mutate(ctx, 'createCustomer', input, createCustomer)),
  updateCustomer: async (_root, { input }, ctx) =>
    customerPayload(ctx, input, await mutate(ctx, 'updateCustomer', input, updateCustomer)),
};

type CustomerChange = Extract<ChangeEvent, { topic: 'customer' }>;

export const customerSubscriptions: Pick<SubscriptionResolvers, 'customerUpdated'> = {
  customerUpdated: {
    subscribe: (_root, { id }, ctx) => {
      const contactId = idOfType(id, 'Customer');
      return changesFor(
        ctx,
        'customer',
        (e): e is CustomerChange => e.topic === 'customer' && e.contactId === contactId,
      );
    },
    resolve: async (event: CustomerChange, _args: unknown, ctx: RequestContext) => {
      renewLoaders(ctx);
      const contact = await ctx.loaders.contact.load(event.contactId);
      if (!contact) throw new ConcordError(ErrorCode.NOT_FOUND, 'This customer no longer exists.');
      return contact;
    },
  },
};
