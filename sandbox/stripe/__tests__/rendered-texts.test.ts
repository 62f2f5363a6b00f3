import { describe, expect, it } from '@jest/globals';
import type { Reply } from '../../http/route.js';
import { Collection } from '../collection.js';
import { list, search, type Resource } from '../handlers.js';
import { RenderedTexts, withItemBytes } from '../rendered-texts.js';
import { SearchPageCodec } from '../search-page.js';
import type { SearchSchema } from '../search-query.js';

/** Pages joined from texts made once must be byte for byte what rendering and stringifying makes. */

interface Row {
  id: string;
  created: number;
  customer: string;
  amount: number;
  note: string;
}

const schema: SearchSchema<Row> = {
  resource: 'charges',
  fields: {
    customer: { kind: 'id', get: (r) => r.customer },
    amount: { kind: 'number', get: (r) => r.amount },
  },
  metadata: () => ({}),
};

const rows = (): Row[] =>
  Array.from({ length: 250 }, (_, i) => ({
    id: `ch_${String(i).padStart(4, '0')}`,
    created: 1_000 + Math.floor(i / 3),
    customer: `cus_${i % 7}`,
    amount: 100 * i,
    note: i % 5 === 0 ? 'quote " and \\ and ü and "data":[]' : 'plain',
  }));

const render = (r: Row) => ({
  id: r.id,
  object: 'charge',
  amount: r.amount,
  customer: r.customer,
  note: r.note,
});

function resources(): { plain: Resource<Row>; texts: Resource<Row>; collection: Collection<Row> } {
  const collection = new Collection(rows(), (r) => r.customer);
  const expanders = { customer: (id: string) => ({ id, object: 'customer' }) };
  return {
    collection,
    plain: { objectType: 'charge', collection, render, expanders },
    texts: { objectType: 'charge', collection, render, expanders, texts: new RenderedTexts(render, 50) },
  };
}

/** The bytes serve.ts writes for a reply. */
const bytesOf = (reply: Reply): string =>
  reply.json === undefined ? JSON.stringify(reply.body) : reply.json.toString();

describe('pages joined from rendered bytes', () => {
  const pages = new SearchPageCodec(7);

  it('fills the data slot of an envelope exactly as JSON.stringify would', () => {
    const items = [{ a: 1 }, { b: 'x"y' }];
    for (const envelope of [
      { object: 'search_result', data: null, has_more: true, next_page: 'page_x', url: '/v1/charges/search' },
      { object: 'list', data: null, has_more: false, url: '/v1/charges' },
      { object: 'search_result', data: null, has_more: false, next_page: null, url: '/u', total_count: 2 },
    ]) {
      const bytes = items.map((item) => Buffer.from(JSON.stringify(item)));
      expect(withItemBytes(envelope, 'data', bytes).toString()).toBe(
        JSON.stringify({ ...envelope, data: items }),
      );
      expect(withItemBytes(envelope, 'data', []).toString()).toBe(JSON.stringify({ ...envelope, data: [] }));
    }
    expect(() => withItemBytes({ object: 'list' }, 'data', [])).toThrow(/no data/);
  });

  it('answers searches, their next pages, lists and expansions byte for byte as rendering does', () => {
    const { plain, texts } = resources();
    const query = "customer:'cus_1' OR customer:'cus_3' OR customer:'cus_6'";
    let page: string | undefined;
    let walked = 0;
    do {
      const input = { query, limit: 40, ...(page ? { page } : {}) };
      const a = search(plain, schema, pages, input, 'customer');
      const b = search(texts, schema, pages, input, 'customer');
      expect(b.json).toBeDefined();
      expect(bytesOf(b)).toBe(bytesOf(a));
      const body = JSON.parse(bytesOf(b)) as { data: unknown[]; next_page: string | null };
      walked += body.data.length;
      page = body.next_page ?? undefined;
    } while (page);
    expect(walked).toBe(rows().filter((r) => ['cus_1', 'cus_3', 'cus_6'].includes(r.customer)).length);

    for (const input of [
      { query, limit: 5, expand: ['total_count'] },
      { query, limit: 5, expand: ['data.customer'] },
    ]) {
      expect(bytesOf(search(texts, schema, pages, input, 'customer'))).toBe(
        bytesOf(search(plain, schema, pages, input, 'customer')),
      );
    }
    for (const query of [
      { limit: 100 },
      { limit: 3, starting_after: 'ch_0100' },
      { limit: 10, expand: ['data.customer'] },
    ]) {
      const source = plain.collection.all;
      expect(bytesOf(list(texts, '/v1/charges', { ...query, source }))).toBe(
        bytesOf(list(plain, '/v1/charges', { ...query, source })),
      );
    }
  });

  it('renders again after a write, and keeps at most its capacity of texts', () => {
    const { plain, texts, collection } = resources();
    const query = "customer:'cus_2'";
    const before = bytesOf(search(texts, schema, pages, { query, limit: 100 }, 'customer'));
    const changed = collection.group('cus_2')[0] as Row;
    changed.amount += 1;
    collection.touch();
    const after = bytesOf(search(texts, schema, pages, { query, limit: 100 }, 'customer'));
    expect(after).not.toBe(before);
    expect(after).toBe(bytesOf(search(plain, schema, pages, { query, limit: 100 }, 'customer')));

    let rendered = 0;
    const counting = new RenderedTexts((r: Row) => {
      rendered++;
      return render(r);
    }, 10);
    const all = collection.all.slice(0, 20);
    for (const row of all) counting.bytesOf(row, collection.version);
    for (const row of all.slice(10)) counting.bytesOf(row, collection.version);
    expect(rendered).toBe(20);
    counting.bytesOf(all[0] as Row, collection.version);
    expect(rendered).toBe(21);
  });
});
