import { describe, it, expect } from '@jest/globals';
import { SearchPageCodec } from '../search-page.js';

describe('SearchPageCodec', () => {
  const codec = new SearchPageCodec(7);

  it('round-trips an offset for the same resource and query', () => {
    const token = codec.encode('charges', "status:'failed'", 40);
    expect(codec.decode('charges', "status:'failed'", token)).toBe(40);
  });

  it('refuses tokens of another query, resource or seed, and altered tokens', () => {
    const token = codec.encode('charges', "status:'failed'", 40);
    expect(codec.decode('charges', "status:'succeeded'", token)).toBeNull();
    expect(codec.decode('invoices', "status:'failed'", token)).toBeNull();
    expect(new SearchPageCodec(8).decode('charges', "status:'failed'", token)).toBeNull();
    const forged = codec
      .encode('charges', "status:'failed'", 40)
      .replace(/^page_[^_]+/, `page_${Buffer.from('80').toString('base64url')}`);
    expect(codec.decode('charges', "status:'failed'", forged)).toBeNull();
    expect(codec.decode('charges', "status:'failed'", 'garbage')).toBeNull();
  });
});
