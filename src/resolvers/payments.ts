import type { Payment as PaymentModel } from '../../datasources/model.js';
import type {
  InvoiceResolvers,
  MutationResolvers,
  PaymentResolvers,
  QueryResolvers,
  BillingSubscriptionResolvers,
  SubscriptionResolvers,
} from '../generated/resolvers-types.js';
import { renewLoaders, type RequestContext } from '../graphql/context.js';
import { ConcordError, ErrorCode } from '../errors/concord-error.js';
import type { ChangeEvent } from '../subscriptions/events.js';
import { changesFor, requireTopic } from '../subscriptions/listen.js';
import { mutate, payloadParts } from '../writes/index.js';
import { refundPayment } from '../writes/refunds.js';
import { idOfType, toGlobalId } from '../relay/global-ids.js';
import { providerConnection } from './provider-connection.js';
import { scopeOf } from './support.js';

/** The CRM contact behind a payment account, through the account's link. */
async function customerOfAccount(accountId: string | null, ctx: RequestContext) {
  if (!accountId) return null;
  const account = await ctx.loaders.account.load(accountId);
  return account?.contactId ? ctx.loaders.contact.load(account.contactId) : null;
}

export const paymentQueries: Pick<QueryResolvers, 'payments' | 'invoices'> = {
  payments: (_root, args, ctx, info) =>
    providerConnection<PaymentModel>(ctx, args, info, {
      domain: 'payments',
      kind: 'Query.payments',
      scope: scopeOf({ status: args.status ?? null }),
      list: (page) =>
        ctx.services.providers.payments.listPayments(
          page,
          args.status != null ? { status: args.status } : {},
        ),
      prime: (payment) => ctx.loaders.payment.prime(payment.id, payment),
    }),
  invoices: (_root, args, ctx, info) =>
    providerConnection(ctx, args, info, {
      domain: 'payments',
      kind: 'Query.invoices',
      scope: '',
      list: (page) => ctx.services.providers.payments.listInvoices(page, {}),
    }),
};

export const Payment: PaymentResolvers = {
  id: (payment) => toGlobalId('Payment', payment.id),
  paymentMethod: (payment) => payment.card,
  customer: (payment, _args, ctx) => customerOfAccount(payment.accountId, ctx),
  links: (payment) => [payment.ref],
};

export const Invoice: InvoiceResolvers = {
  id: (invoice) => toGlobalId('Invoice', invoice.id),
  customer: (invoice, _args, ctx) => customerOfAccount(invoice.accountId, ctx),
  subscription: (invoice, _args, ctx) =>
    invoice.subscriptionId ? ctx.loaders.subscription.load(invoice.subscriptionId) : null,
  links: (invoice) => [invoice.ref],
};

export const BillingSubscription: BillingSubscriptionResolvers = {
  id: (subscription) => toGlobalId('BillingSubscription', subscription.id),
  customer: (subscription, _args, ctx) => customerOfAccount(subscription.accountId, ctx),
  links: (subscription) => [subscription.ref],
};

export const paymentMutations: Pick<MutationResolvers, 'refundPayment'> = {
  refundPayment: async (_root, { input }, ctx) => {
    const { record, ...parts } = payloadParts(
      input,
      await mutate(ctx, 'refundPayment', input, refundPayment),
    );
    return { ...parts, payment: record ? await ctx.loaders.payment.load(record.paymentId) : null };
  },
};

type PaymentChange = Extract<ChangeEvent, { topic: 'payment' }>;

export const paymentSubscriptions: Pick<SubscriptionResolvers, 'paymentUpdated'> = {
  paymentUpdated: {
    subscribe: async (_root, { id, customerId }, ctx) => {
      requireTopic(ctx, 'payment');
      const paymentId = id != null ? idOfType(id, 'Payment') : null;
      // A customer's payments are those of its payment account, looked up once, not per event.
      const accountId =
        customerId != null
          ? ((await ctx.loaders.accountOfContact.load(idOfType(customerId, 'Customer', 'customerId')))?.id ??
            null)
          : undefined;
      return changesFor(
        ctx,
        'payment',
        (e): e is PaymentChange =>
          e.topic === 'payment' &&
          (paymentId === null || e.paymentId === paymentId) &&
          (accountId === undefined || (accountId !== null && e.accountId === accountId)),
      );
    },
    resolve: async (event: PaymentChange, _args: unknown, ctx: RequestContext) => {
      renewLoaders(ctx);
      const payment = await ctx.loaders.payment.load(event.paymentId);
      if (!payment) throw new ConcordError(ErrorCode.NOT_FOUND, 'This payment no longer exists.');
      return payment;
    },
  },
};
