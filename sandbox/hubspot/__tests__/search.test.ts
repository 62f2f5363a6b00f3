import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Dataset } from '../../data/dataset.js';
import { generateDataset } from '../../data/generate.js';
import { DEMO_SIZES } from '../../data/sizes.js';
import { HubSpotValidationError } from '../errors.js';
import type { HubObject } from '../objects.js';
import type { ObjectType } from '../properties.js';
import {
  compileFilter,
  compileFilterGroups,
  compileQuery,
  containsToken,
  runSearch,
  type SearchFilter,
} from '../search.js';
import { buildStore, type HubSpotStore } from '../store.js';

let dataset: Dataset;
let store: HubSpotStore;

beforeAll(() => {
  dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: Date.UTC(2026, 10, 24) });
  store = buildStore(dataset);
});

function matching(type: ObjectType, filter: SearchFilter): string[] {
  const predicate = compileFilter(type, filter);
  return store.objects[type]
    .filter((obj) => predicate({ obj, associated: (to) => store.associated(type, obj.id, to) }))
    .map((obj) => obj.id);
}

const sortedIds = (records: { crmId: string }[]): string[] =>
  records.map((r) => r.crmId).sort((a, b) => Number(a) - Number(b));

describe('filter evaluation', () => {
  it('EQ on email ignores case', () => {
    const contact = dataset.contacts[10];
    if (!contact) throw new Error('no contact');
    expect(
      matching('contacts', { propertyName: 'email', operator: 'EQ', value: contact.email.toUpperCase() }),
    ).toEqual([contact.crmId]);
  });

  it('compares datetimes numerically, from epoch ms or ISO', () => {
    const low = dataset.anchor - 200 * 86_400_000;
    const high = dataset.anchor - 100 * 86_400_000;
    const expected = sortedIds(dataset.contacts.filter((c) => c.createdAt >= low && c.createdAt <= high));
    expect(
      matching('contacts', {
        propertyName: 'createdate',
        operator: 'BETWEEN',
        value: String(low),
        highValue: new Date(high).toISOString(),
      }),
    ).toEqual(expected);
    expect(matching('contacts', { propertyName: 'createdate', operator: 'LT', value: String(low) })).toEqual(
      sortedIds(dataset.contacts.filter((c) => c.createdAt < low)),
    );
  });

  it('compares numbers numerically, not as text', () => {
    const expected = sortedIds(dataset.companies.filter((c) => c.employees > 999));
    expect(
      matching('companies', { propertyName: 'numberofemployees', operator: 'GT', value: '999' }),
    ).toEqual(expected);
  });

  it('IN and NOT_IN partition the objects', () => {
    const values = ['lead', 'CUSTOMER'];
    const inside = matching('contacts', { propertyName: 'lifecyclestage', operator: 'IN', values });
    const outside = matching('contacts', { propertyName: 'lifecyclestage', operator: 'NOT_IN', values });
    expect(inside).toEqual(
      sortedIds(
        dataset.contacts.filter((c) => c.lifecycleStage === 'lead' || c.lifecycleStage === 'customer'),
      ),
    );
    expect(inside.length + outside.length).toBe(dataset.contacts.length);
  });

  it('HAS_PROPERTY and NOT_HAS_PROPERTY follow unset values', () => {
    expect(
      matching('contacts', { propertyName: 'associatedcompanyid', operator: 'NOT_HAS_PROPERTY' }),
    ).toEqual(sortedIds(dataset.contacts.filter((c) => c.company < 0)));
    expect(matching('contacts', { propertyName: 'company', operator: 'HAS_PROPERTY' })).toHaveLength(
      dataset.contacts.filter((c) => c.company >= 0).length,
    );
  });

  it('CONTAINS_TOKEN matches whole words and * wildcards', () => {
    expect(containsToken('Jane Smith-Jones', 'smith')).toBe(true);
    expect(containsToken('Jane Smith-Jones', 'smi')).toBe(false);
    expect(containsToken('jane.doe@example.com', '*@example.com')).toBe(true);
    expect(containsToken('jane.doe@example.com', 'example.com')).toBe(true);
    const deal = dataset.deals[0];
    if (!deal) throw new Error('no deal');
    const word = deal.name.split(' ')[0] ?? '';
    expect(
      matching('deals', { propertyName: 'dealname', operator: 'CONTAINS_TOKEN', value: word }),
    ).toContain(deal.crmId);
    expect(
      matching('deals', { propertyName: 'dealname', operator: 'NOT_CONTAINS_TOKEN', value: word }),
    ).not.toContain(deal.crmId);
  });

  it('associations.<type> filters follow the association index', () => {
    const contactIndex = dataset.deals[0]?.contact ?? 0;
    const contact = dataset.contacts[contactIndex];
    if (!contact) throw new Error('no contact');
    expect(
      matching('deals', { propertyName: 'associations.contact', operator: 'EQ', value: contact.crmId }),
    ).toEqual(sortedIds(dataset.deals.filter((d) => d.contact === contactIndex)));
  });

  it('refuses unknown properties, missing values and BETWEEN without highValue', () => {
    expect(() => compileFilter('contacts', { propertyName: 'nope', operator: 'EQ', value: 'x' })).toThrow(
      HubSpotValidationError,
    );
    expect(() => compileFilter('contacts', { propertyName: 'email', operator: 'EQ' })).toThrow(
      HubSpotValidationError,
    );
    expect(() =>
      compileFilter('contacts', { propertyName: 'createdate', operator: 'BETWEEN', value: '1' }),
    ).toThrow('highValue');
    expect(() =>
      compileFilter('contacts', { propertyName: 'createdate', operator: 'GT', value: 'yesterday' }),
    ).toThrow(HubSpotValidationError);
  });
});

describe('filter groups and limits', () => {
  const any: SearchFilter = { propertyName: 'hs_object_id', operator: 'HAS_PROPERTY' };

  it('enforces 5 groups, 10 filters per group and 25 filters in all', () => {
    expect(() =>
      compileFilterGroups(
        'contacts',
        Array.from({ length: 6 }, () => ({ filters: [any] })),
      ),
    ).toThrow(/filter groups/);
    expect(() =>
      compileFilterGroups('contacts', [{ filters: Array.from({ length: 11 }, () => any) }]),
    ).toThrow(/per filter group/);
    expect(() =>
      compileFilterGroups(
        'contacts',
        Array.from({ length: 3 }, () => ({ filters: Array.from({ length: 9 }, () => any) })),
      ),
    ).toThrow(/across all filter groups/);
    expect(() =>
      compileFilterGroups(
        'contacts',
        Array.from({ length: 5 }, () => ({ filters: Array.from({ length: 5 }, () => any) })),
      ),
    ).not.toThrow();
  });

  it('text query needs every word to start a word of a searchable property', () => {
    const matches = compileQuery('ali smi');
    expect(matches(['alice', 'smith', 'example'])).toBe(true);
    expect(matches(['alice', 'jones'])).toBe(false);
    expect(compileQuery(undefined)(['x'])).toBe(true);
  });

  it('runSearch pages within the 10,000 window and counts the total', () => {
    const source = {
      objects: store.objects.contacts,
      words: (obj: HubObject) => store.searchWords.get(obj) ?? [],
      associated: (obj: HubObject, to: ObjectType) => store.associated('contacts', obj.id, to),
      associatedWith: (other: ObjectType, otherId: string) =>
        store.associated(other, otherId, 'contacts').flatMap((id) => store.byId.contacts.get(id) ?? []),
    };
    const first = runSearch('contacts', source, { filterGroups: [], sorts: [], limit: 200, offset: 0 });
    expect(first.total).toBe(dataset.contacts.length);
    expect(first.nextOffset).toBe(200);
    expect(() =>
      runSearch('contacts', source, { filterGroups: [], sorts: [], limit: 10, offset: 10_000 }),
    ).toThrow(/result window/);
  });
});
