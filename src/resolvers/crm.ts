import type {
  CompanyResolvers,
  DealResolvers,
  MutationResolvers,
  QueryResolvers,
} from '../generated/resolvers-types.js';
import { updateDealStage } from '../writes/deals.js';
import { mutate, payloadParts } from '../writes/index.js';
import { toGlobalId } from '../relay/global-ids.js';
import { providerConnection } from './provider-connection.js';
import { scopeOf } from './support.js';

export const crmQueries: Pick<QueryResolvers, 'companies' | 'deals'> = {
  companies: (_root, args, ctx, info) =>
    providerConnection(ctx, args, info, {
      domain: 'crm',
      kind: 'Query.companies',
      scope: '',
      list: (page) => ctx.services.providers.crm.listCompanies(page),
      prime: (company) => ctx.loaders.company.prime(company.id, company),
    }),
  deals: (_root, args, ctx, info) =>
    providerConnection(ctx, args, info, {
      domain: 'crm',
      kind: 'Query.deals',
      scope: scopeOf({ status: args.status ?? null }),
      list: (page) =>
        ctx.services.providers.crm.listDeals(page, args.status != null ? { status: args.status } : {}),
      prime: (deal) => ctx.loaders.deal.prime(deal.id, deal),
    }),
};

export const Company: CompanyResolvers = {
  id: (company) => toGlobalId('Company', company.id),
  customers: (company, args, ctx, info) =>
    providerConnection(ctx, args, info, {
      domain: 'crm',
      kind: 'Company.customers',
      scope: company.id,
      list: (page) => ctx.services.providers.crm.listContacts(page, { companyId: company.id }),
      prime: (contact) => ctx.loaders.contact.prime(contact.id, contact),
    }),
  deals: (company, args, ctx, info) =>
    providerConnection(ctx, args, info, {
      domain: 'crm',
      kind: 'Company.deals',
      scope: scopeOf({ company: company.id, status: args.status ?? null }),
      list: (page) =>
        ctx.services.providers.crm.listDeals(page, {
          companyId: company.id,
          ...(args.status != null ? { status: args.status } : {}),
        }),
      prime: (deal) => ctx.loaders.deal.prime(deal.id, deal),
    }),
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
  // A stage the pipelines do not list (archived since) or a CRM whose stage is its label: the stage.
  stageLabel: async (deal, _args, ctx) =>
    (await ctx.loaders.dealStageLabels.load('all')).get(deal.stage) ?? deal.stage,
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
