import { createHmac, timingSafeEqual } from 'node:crypto';
import { UserInputError } from '../errors.js';

/** Bumped when the payload changes shape; older cursors are then refused cleanly. */
export const CURSOR_VERSION = 1;
/** Bytes of HMAC-SHA256 kept: enough that forging one is hopeless, short enough for URLs. */
const MAC_BYTES = 12;

/** What a cursor carries: which list it belongs to, and where in the provider's list it points. */
export interface CursorPayload {
  /** The connection it belongs to, e.g. `Customer.payments`. */
  kind: string;
  /** What the list is of, e.g. the parent id and filter; a cursor from another list is foreign. */
  scope: string;
  /** The provider's own cursor (Stripe object id, HubSpot `after`, PostHog offset or timestamp). */
  position: string;
}

interface Wire {
  v: number;
  k: string;
  s: string;
  p: string;
}

/**
 * Opaque, versioned, signed cursors. Clients cannot read or forge them, and a cursor taken from
 * one list and sent to another is refused instead of silently paging the wrong data.
 */
export class CursorCodec {
  constructor(private readonly secret: string) {
    if (secret.length < 16) throw new Error('cursor secret must be at least 16 characters');
  }

  encode(payload: CursorPayload): string {
    const wire: Wire = { v: CURSOR_VERSION, k: payload.kind, s: payload.scope, p: payload.position };
    const body = Buffer.from(JSON.stringify(wire)).toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The provider cursor inside `cursor`, or BAD_USER_INPUT naming `argument`. */
  decode(cursor: string, expected: { kind: string; scope: string }, argument: string): string {
    const invalid = (why: string) =>
      new UserInputError(`Invalid cursor in \`${argument}\`: ${why}.`, argument);
    const [body, mac, ...rest] = cursor.split('.');
    if (!body || !mac || rest.length > 0) throw invalid('not a cursor issued by this API');
    const given = Buffer.from(mac, 'base64url');
    const wanted = this.mac(body);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      throw invalid('not a cursor issued by this API');
    }
    let wire: Partial<Wire>;
    try {
      wire = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Wire>;
    } catch {
      throw invalid('not a cursor issued by this API');
    }
    if (wire.v !== CURSOR_VERSION)
      throw invalid('issued by an older version; start again from the first page');
    if (wire.k !== expected.kind || wire.s !== expected.scope || typeof wire.p !== 'string') {
      throw invalid('it belongs to a different list');
    }
    return wire.p;
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, MAC_BYTES);
  }
}
