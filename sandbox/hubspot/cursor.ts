import { createHash } from 'node:crypto';
import { HubSpotValidationError } from './errors.js';

/**
 * Opaque `after` tokens: base64url of `<position>.<check>`, where the check binds the position to
 * the listing it came from, so an edited, forged or foreign token is refused instead of misread.
 */

function check(scope: string, position: number): string {
  return createHash('sha256')
    .update(`hubspot-sandbox\u0000${scope}\u0000${position}`)
    .digest('base64url')
    .slice(0, 10);
}

export function encodeCursor(scope: string, position: number): string {
  return Buffer.from(`${position}.${check(scope, position)}`).toString('base64url');
}

/** The position a token stands for; a token that is not ours for this scope is HubSpot's 400. */
export function decodeCursor(scope: string, token: string): number {
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  const match = /^(\d{1,16})\.([A-Za-z0-9_-]{10})$/.exec(text);
  const position = match ? Number(match[1]) : Number.NaN;
  if (!match || !Number.isSafeInteger(position) || match[2] !== check(scope, position)) {
    throw new HubSpotValidationError(
      `Invalid paging cursor: 'after' value '${token}' was not issued for this request.`,
      {
        errors: [{ message: 'after is not a valid paging cursor', in: 'after', code: 'INVALID_CURSOR' }],
      },
    );
  }
  return position;
}
