import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Opaque `page` tokens for search: the offset, bound to the resource and query by an HMAC keyed
 * from the seed, so a forged token or one from another query is refused instead of misread.
 */
export class SearchPageCodec {
  private readonly key: Buffer;

  constructor(seed: number) {
    this.key = createHash('sha256').update(`concord-sandbox:stripe-search-page:${seed}`).digest();
  }

  private mac(resource: string, query: string, offset: number): Buffer {
    return createHmac('sha256', this.key).update(`${resource}\n${query}\n${offset}`).digest().subarray(0, 16);
  }

  encode(resource: string, query: string, offset: number): string {
    const body = Buffer.from(String(offset)).toString('base64url');
    return `page_${body}_${this.mac(resource, query, offset).toString('base64url')}`;
  }

  /** The offset the token stands for, or null when it was not made by us for this query. */
  decode(resource: string, query: string, token: string): number | null {
    const match = /^page_([A-Za-z0-9_-]+)_([A-Za-z0-9_-]{22})$/.exec(token);
    if (!match) return null;
    const text = Buffer.from(match[1] as string, 'base64url').toString('utf8');
    if (!/^(0|[1-9][0-9]{0,8})$/.test(text)) return null;
    const offset = Number(text);
    const given = Buffer.from(match[2] as string, 'base64url');
    const expected = this.mac(resource, query, offset);
    return given.length === expected.length && timingSafeEqual(given, expected) ? offset : null;
  }
}
