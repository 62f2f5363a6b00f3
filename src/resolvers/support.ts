import type { PageArgs } from '../relay/page-args.js';
import { readPageArgs, type PageDirection } from '../relay/page-args.js';
import type { RequestContext } from '../graphql/context.js';
import { stableJson } from '../runtime/stable-json.js';

/** Validated page arguments for a connection field, checked before any provider call. */
export function pageArgs(ctx: RequestContext, args: PageArgs, backwardSupported: boolean): PageDirection {
  return readPageArgs(args, ctx.services.pageSize, backwardSupported);
}

/** Values from DataLoader.loadMany: an Error in any slot fails the field, as a single load would. */
export function orThrow<T>(values: ReadonlyArray<T | Error>): T[] {
  for (const value of values) if (value instanceof Error) throw value;
  return values as T[];
}

/** Stable text of a filter for cursor scopes: the same filter always gives the same scope. */
export const scopeOf = stableJson;

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
/** The activity window when the client gives none. */
export const DEFAULT_ACTIVITY_DAYS = 30;
