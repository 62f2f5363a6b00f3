import type { GraphQLResolveInfo } from 'graphql';
import type { Page, PageRequest } from '../../datasources/model.js';
import type { RequestContext } from '../graphql/context.js';
import type { DomainKey } from '../providers/registry.js';
import {
  connectionFromList,
  connectionFromPage,
  providerCursor,
  type Connection,
} from '../relay/connection.js';
import type { PageArgs } from '../relay/page-args.js';
import { selectsField } from './selects-field.js';
import { pageArgs } from './support.js';

export interface ProviderListSpec<T> {
  /** Whose list it is: that provider's capabilities decide whether `last`/`before` is accepted. */
  domain: DomainKey;
  /** The cursor scope: a cursor made for one list (and filter) is refused by any other. */
  kind: string;
  scope: string;
  /** One page from the provider, in the direction asked; null when there is nothing to list. */
  list(page: PageRequest): Promise<Page<T> | null>;
  /** Each item to the request's loaders, so fields that load it again cost no call. */
  prime?(item: T): void;
}

/**
 * A connection over a provider's list, the one path every such field takes: page arguments
 * checked against the provider's capabilities (before any call), the client cursor opened within
 * its scope, the provider's page (and its total when `totalCount` is selected: counting may cost a
 * call of its own), loaders primed, and the Relay connection with scoped cursors.
 */
export async function providerConnection<T>(
  ctx: RequestContext,
  args: PageArgs,
  info: GraphQLResolveInfo,
  spec: ProviderListSpec<T>,
): Promise<Connection<T>> {
  const { backwardPaging } = ctx.services.descriptors[spec.domain].capabilities;
  const request = pageArgs(ctx, args, backwardPaging);
  const scope = { kind: spec.kind, scope: spec.scope };
  const { cursors } = ctx.services;
  const cursor = providerCursor(request, cursors, scope);
  const page = await spec.list({
    limit: request.size,
    ...(request.direction === 'forward' ? { after: cursor } : { before: cursor }),
    ...(selectsField(info, 'totalCount') ? { total: true } : {}),
  });
  if (!page) return connectionFromList<T>([], () => '', request, cursors, scope);
  if (spec.prime) for (const item of page.items) spec.prime(item);
  return connectionFromPage(page, request, cursors, scope);
}
