import { describe, expect, it } from '@jest/globals';
import { Collection } from '../collection.js';
import { search, type Resource } from '../handlers.js';
import { MetadataIndex } from '../search-index.js';
import { SearchPageCodec } from '../search-page.js';
import { compileQuery, type SearchSchema } from '../search-query.js';

/** Searches that pin a metadata key read the index; they must answer exactly what a full scan does. */

interface Row {
  id: string;
  created: number;
  email: string;
  metadata: Record<string, string>;
}

const schema: SearchSchema<Row> = {
  resource: 'customers',
  fields: {
    email: { kind: 'text', get: (r) => r.email },
    created: { kind: 'number', get: (r) => r.created },
  },
  metadata: (r) => r.metadata,
};

/** 300 rows: `contact` shared by three rows each (some created in the same second), `team` by half. */
function rows(): Row[] {
  return Array.from({ length: 300 }, (_, i): Row => ({
    id: `cus_${String(i).padStart(4, '0')}`,
    created: 1_000 + Math.floor(i / 2),
    email: `user${i}@example.com`,
    metadata:
      i % 7 === 0
        ? ({} as Record<string, string>)
        : { contact: `c${i % 100}`, team: i % 2 === 0 ? 'red' : 'blue' },
  }));
}

function resourceOf(collection: Collection<Row>): Resource<Row> {
  return { objectType: 'customer', collection, render: (r) => ({ ...r }), expanders: {} };
}

const pages = new SearchPageCodec(1);

/** Every id the search answers, following its pages. */
function searchIds(resource: Resource<Row>, query: string): string[] {
  const ids: string[] = [];
  let page: string | undefined;
  for (;;) {
    const reply = search(resource, schema, pages, { query, limit: 7, ...(page ? { page } : {}) });
    expect(reply.status).toBe(200);
    const body = reply.body as { data: Row[]; next_page: string | null };
    ids.push(...body.data.map((r) => r.id));
    if (!body.next_page) return ids;
    page = body.next_page;
  }
}

/** What a scan of every row answers, in list order. */
function scanIds(collection: Collection<Row>, query: string): string[] {
  const compiled = compileQuery(query, schema);
  return collection.all.filter(compiled.matches).map((r) => r.id);
}

const QUERIES = [
  "metadata['contact']:'c5'",
  "metadata['contact']:'c5' OR metadata['contact']:'c42' OR metadata['contact']:'c5' OR metadata['contact']:'nobody'",
  "metadata['contact']:'c8' AND email~'user10'",
  "metadata['contact']:'c8' AND metadata['team']:'red'",
  // Not pinned to one key: answered by a scan, and the same either way.
  "metadata['contact']:'c1' OR metadata['team']:'blue'",
  "metadata['contact']:'c3' OR email:'user0@example.com'",
  "-metadata['contact']:'c3'",
];

describe('the metadata index behind search', () => {
  it('answers every query exactly as a full scan, in list order, across pages', () => {
    const collection = new Collection(rows());
    const resource = resourceOf(collection);
    for (const query of QUERIES) expect(searchIds(resource, query)).toEqual(scanIds(collection, query));
    expect(searchIds(resource, "metadata['contact']:'c8'")).toHaveLength(3);
  });

  it('is used only for a query that pins one metadata key', () => {
    const pin = (query: string) => compileQuery(query, schema).pinnedMetadata();
    expect(pin("metadata['contact']:'c1' OR metadata['contact']:'c2'")).toEqual({
      key: 'contact',
      values: ['c1', 'c2'],
    });
    expect(pin("email~'user' AND metadata['team']:'red'")).toEqual({ key: 'team', values: ['red'] });
    expect(pin("metadata['contact']:'c1' OR metadata['team']:'red'")).toBeNull();
    expect(pin("metadata['contact']:'c1' OR email:'a@b.c'")).toBeNull();
    expect(pin("-metadata['contact']:'c1'")).toBeNull();
    expect(pin("metadata['contact']:null")).toBeNull();
  });

  it('sees an object added or changed after it was built', () => {
    const collection = new Collection(rows());
    const resource = resourceOf(collection);
    expect(searchIds(resource, "metadata['contact']:'new'")).toEqual([]);
    collection.insert({
      id: 'cus_new',
      created: 5_000,
      email: 'new@example.com',
      metadata: { contact: 'new' },
    });
    expect(searchIds(resource, "metadata['contact']:'new'")).toEqual(['cus_new']);
    // An update in place (as the twin's customer update does): new metadata, then touch().
    const moved = collection.get('cus_0005') as Row;
    moved.metadata = { contact: 'new' };
    collection.touch();
    expect(searchIds(resource, "metadata['contact']:'new'")).toEqual(['cus_new', 'cus_0005']);
    expect(searchIds(resource, "metadata['contact']:'c5'")).toEqual(
      scanIds(collection, "metadata['contact']:'c5'"),
    );
    expect(searchIds(resource, "metadata['contact']:'c5'")).not.toContain('cus_0005');
  });

  it('keeps buckets in list order when rows share a second', () => {
    const collection = new Collection(rows());
    const index = new MetadataIndex(collection, (r: Row) => r.metadata);
    const found = index.lookup('team', ['red', 'blue']);
    expect(found.map((r) => r.id)).toEqual(collection.all.filter((r) => r.metadata.team).map((r) => r.id));
  });
});
