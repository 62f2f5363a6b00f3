import type {
  CompanyResolvers,
  DealResolvers,
  MutationResolvers,
  QueryResolvers,
} from '../generated/resolvers-types.js';
import { updateDealStage } from '../writes/deals.js';
import { mutate, payloadParts } from '../writes/index.js';
import { toGlobalId } from '../relay/global-ids.js';
import { connectionFromPage, providerCursor } from '../relay/connection.js';
import { pageArgs, scopeOf } from './support.js';

export const crmQueries: Pick<QueryResolvers, 'companies' | 'deals'> = {
  companies: async (_root, args, ctx) => {
    const request = pageArgs(ctx, args, false);
    const scope = { kind: 'Query.companies', scope: '' };
    const page = await ctx.services.providers.crm.listCompanies({
      limit: request.size,
      after: providerCursor(request, ctx.services.cursors, scope),
    });
    for (const company of page.items) ctx.loaders.company.prime(company.id, company);
    return connectionFromPage(page, request, ctx.services.cursors, scope);
  },
  deals: async (_root, args, ctx) => {
    const request = pageArgs(ctx, args, false);
    const scope = { kind: 'Query.deals', scope: scopeOf({ status: args.status ?? null }) };
    const page = await ctx.services.providers.crm.listDeals(
      { limit: request.size, after: providerCursor(request, ctx.services.cursors, scope) },
      args.status != null ? { status: args.status } : {},
    );
    for (const deal of page.items) ctx.loaders.deal.prime(deal.id, deal);
    return connectionFromPage(page, request, ctx.services.cursors, scope);
  },
};

export const Company: CompanyResolvers = {
  id: (company) => toGlobalId('Company', company.id),
  customers: async (company, args, ctx) => {
    const request = pageArgs(ctx, args, false);
    const scope = { kind: 'Company.customers', scope: company.id };
    const page = await ctx.services.providers.crm.listContacts(
      { limit: request.size, after: providerCursor(request, ctx.services.cursors, scope) },
      { companyId: company.id },
    );
    for (const contact of page.items) ctx.loaders.contact.prime(contact.id, contact);
    return connectionFromPage(page, request, ctx.services.cursors, scope);
  },
  deals: async (company, args, ctx) => {
    const request = pageArgs(ctx, args, false);
    const scope = {
      kind: 'Company.deals',
      scope: scopeOf({ company: company.id, status: args.status ?? null }),
    };
    const page = await ctx.services.providers.crm.listDeals(
      { limit: request.size, after: providerCursor(request, ctx.services.cursors, scope) },
      { companyId: company.id, ...(args.status != null ? { status: args.status } : {}) },
    );
    for (const deal of page.items) ctx.loaders.deal.prime(deal.id, deal);
    return connectionFromPage(page, request, ctx.services.cursors, scope);
  },
  links: (company) => [company.ref],
};

export const Deal: DealResolvers = {
  id: (deal) => toGlobalId('Deal', deal.id),
  customer: async (deal, _args, ctx) => {
    const { contactId } = deal.parties ?? (await ctx.loaders.dealParties.load(deal.id));
    return contactId ? ctx.loaders.contact.load(contactId) : null;
  },
  company: async (deal, _args, ctx) => {
    const { companyId } = deal.parties ?? (await ctx.loaders.dealParties.load(deal.id));
    return companyId ? ctx.loaders.company.load(companyId) : null;
  },
  links: (deal) => [deal.ref],
};

export const crmMutations: Pick<MutationResolvers, 'updateDealStage'> = {
  updateDealStage: async (_root, { input }, ctx) => {
    const { record, ...parts } = payloadParts(
      input,
      await mutate(ctx, 'updateDealStage', input, updateDealStage),
    );
    return { ...parts, deal: record ? await ctx.loaders.deal.load(record.dealId) : null };
  },
};
