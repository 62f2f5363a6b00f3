import type { Reply } from '../http/route.js';
import { invalidRequest } from './errors.js';
import type { StripeObject } from './objects.js';

/** Renders the object behind an id field (e.g. a charge's `customer`), or undefined if it is gone. */
export type Expander = (id: string) => StripeObject | undefined;
export type Expanders = Readonly<Record<string, Expander>>;

export type ExpandPlan = { ok: true; fields: string[]; totalCount: boolean } | { ok: false; reply: Reply };

/**
 * Checks `expand[]` against what the resource can expand. Lists and search results take
 * `data.<field>`; retrieves take `<field>`; search also takes `total_count`.
 */
export function planExpand(
  paths: readonly string[] | undefined,
  expanders: Expanders,
  shape: 'object' | 'list' | 'search',
): ExpandPlan {
  const fields: string[] = [];
  let totalCount = false;
  for (const path of paths ?? []) {
    if (shape === 'search' && path === 'total_count') {
      totalCount = true;
      continue;
    }
    const field = shape === 'object' ? path : path.startsWith('data.') ? path.slice('data.'.length) : null;
    if (field === null || !Object.hasOwn(expanders, field)) {
      return { ok: false, reply: invalidRequest(`This property cannot be expanded (${path}).`, 'expand') };
    }
    if (!fields.includes(field)) fields.push(field);
  }
  return { ok: true, fields, totalCount };
}

export function applyExpand(
  object: StripeObject,
  fields: readonly string[],
  expanders: Expanders,
): StripeObject {
  if (fields.length === 0) return object;
  const out = { ...object };
  for (const field of fields) {
    const id = out[field];
    const expand = expanders[field];
    if (typeof id !== 'string' || !expand) continue;
    out[field] = expand(id) ?? id;
  }
  return out;
}
