import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from '../http/route.js';
import { invalidRequest } from './errors.js';

/** The account's default API version, used when a request names none (stripe-node 23 sends this one). */
export const ACCOUNT_API_VERSION = '2026-10-28.endive';
/** Search arrived with this version; older versions get Stripe's refusal. */
const FIRST_SEARCH_VERSION = '2020-08-27';
/** Stripe's first dated API version; the sandbox does not know Stripe's list, so any real date from here to today passes. */
const FIRST_VERSION = '2011-01-01';
/** `2024-06-20`, or with a release name `2026-10-28.endive`; a `; beta=v1` suffix is for previews. */
const VERSION = /^(\d{4})-(\d{2})-(\d{2})(\.[a-z]+)?$/;

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * The version a request asked for (or the account's), or Stripe's 400 for one it does not know.
 * The message echoes the raw header, duplicates comma-joined as Node joins them.
 */
export function requestedVersion(
  headers: IncomingHttpHeaders,
): { ok: true; version: string } | { ok: false; reply: Reply } {
  const raw = headers['stripe-version'];
  if (raw === undefined) return { ok: true, version: ACCOUNT_API_VERSION };
  const text = Array.isArray(raw) ? raw.join(', ') : raw;
  const betas = betaNames(text);
  if (betas.length > 0) {
    // Preview features need Stripe to enable them per account; the sandbox's account has none.
    return {
      ok: false,
      reply: invalidRequest(
        `Invalid Stripe API version: ${text}. You do not have permission to pass this beta header: ${betas.join(', ')}. If you have any questions, we can help at https://support.stripe.com/.`,
      ),
    };
  }
  const match = VERSION.exec(text.trim());
  if (
    !match ||
    text.trim() < FIRST_VERSION ||
    !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3])) ||
    // No version can be dated after today.
    text.trim().slice(0, 10) > new Date().toISOString().slice(0, 10)
  ) {
    return { ok: false, reply: invalidRequest(`Invalid Stripe API version: ${text}`) };
  }
  return { ok: true, version: text.trim() };
}

/** The beta names of `2026-10-28.endive; feature_beta=v1; other_beta=v2` (none for a plain version). */
function betaNames(header: string): string[] {
  const [, ...betas] = header.split(';');
  return betas.map((b) => b.split('=')[0]?.trim() ?? '').filter((name) => name.length > 0);
}

/** Search endpoints refuse versions older than search itself. */
export function searchUnsupported(version: string): Reply | undefined {
  if (version.slice(0, 10) >= FIRST_SEARCH_VERSION) return undefined;
  return invalidRequest(
    `Search is not supported on api version ${version}. Update your API version, or set the API Version of this request to ${FIRST_SEARCH_VERSION} or greater.`,
  );
}
