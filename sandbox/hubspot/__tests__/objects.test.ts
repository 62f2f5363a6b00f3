import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Dataset } from '../../data/dataset.js';
import { generateDataset } from '../../data/generate.js';
import { DEMO_SIZES } from '../../data/sizes.js';
import { associationTypeNames, associationTypeSpecs } from '../associationTypes.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { companyObject, contactObject, dealObject, decimalAmount, renderObject } from '../objects.js';
import { DEFAULT_PROPERTIES } from '../properties.js';

let dataset: Dataset;

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item at ${index}`);
  return item;
}

beforeAll(() => {
  dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: Date.UTC(2026, 10, 24) });
});

describe('property rendering', () => {
  it('writes amounts as exact decimal strings in major units', () => {
    expect(decimalAmount(123456, 'usd')).toBe('1234.56');
    expect(decimalAmount(12340, 'eur')).toBe('123.4');
    expect(decimalAmount(12300, 'gbp')).toBe('123');
    expect(decimalAmount(5, 'usd')).toBe('0.05');
    expect(decimalAmount(98000, 'jpy')).toBe('98000');
    for (const deal of dataset.deals.slice(0, 200)) {
      const divisor = deal.currency === 'jpy' ? 1 : 100;
      expect(Number(decimalAmount(deal.amountMinor, deal.currency))).toBeCloseTo(
        deal.amountMinor / divisor,
        6,
      );
    }
  });

  it('returns the default properties when none are asked for, all as strings', () => {
    for (const [obj, type] of [
      [contactObject(at(dataset.contacts, 0), dataset.companies), 'contacts'],
      [companyObject(at(dataset.companies, 0)), 'companies'],
      [dealObject(at(dataset.deals, 0)), 'deals'],
    ] as const) {
      const rendered = renderObject(obj);
      expect(Object.keys(rendered.properties)).toEqual([...DEFAULT_PROPERTIES[type]]);
      for (const value of Object.values(rendered.properties)) expect(typeof value).toBe('string');
      expect(rendered.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(rendered.archived).toBe(false);
    }
  });

  it('leaves out unknown properties, gives null for unset ones and always hs_object_id', () => {
    const contact = dataset.contacts.find((c) => c.company < 0);
    if (!contact) throw new Error('every contact has a company in this data set');
    const rendered = renderObject(contactObject(contact, dataset.companies), {
      properties: ['email', 'no_such_property', 'company', 'associatedcompanyid'],
    });
    expect(rendered.properties).toEqual({
      email: contact.email,
      company: null,
      associatedcompanyid: null,
      hs_object_id: contact.crmId,
    });
  });

  it('renders deal currency upper-case, pipeline default and ISO close dates', () => {
    const deal = at(dataset.deals, 3);
    const props = dealObject(deal).properties;
    expect(props.deal_currency_code).toBe(deal.currency.toUpperCase());
    expect(props.pipeline).toBe('default');
    expect(props.closedate).toBe(new Date(deal.closeDate).toISOString());
    expect(props.hs_object_id).toBe(deal.crmId);
  });

  it('adds a one-entry history for each requested known property', () => {
    const company = at(dataset.companies, 1);
    const rendered = renderObject(companyObject(company), {
      properties: ['name'],
      propertiesWithHistory: ['name', 'nope'],
    });
    expect(rendered.propertiesWithHistory).toEqual({
      name: [
        { value: company.name, timestamp: new Date(company.updatedAt).toISOString(), sourceType: 'API' },
      ],
    });
  });
});

describe('association types and cursors', () => {
  it('uses HubSpot default type ids, primary first for company pairs', () => {
    expect(associationTypeSpecs('contacts', 'companies').map((t) => t.typeId)).toEqual([1, 279]);
    expect(associationTypeSpecs('companies', 'deals').map((t) => t.typeId)).toEqual([6, 342]);
    expect(associationTypeSpecs('deals', 'contacts').map((t) => t.typeId)).toEqual([3]);
    expect(associationTypeNames('deals', 'companies')).toEqual([
      'deal_to_company',
      'deal_to_company_unlabeled',
    ]);
    expect(associationTypeSpecs('contacts', 'contacts')).toEqual([]);
  });

  it('round-trips cursors and refuses forged or foreign ones', () => {
    const token = encodeCursor('list:contacts', 100123);
    expect(decodeCursor('list:contacts', token)).toBe(100123);
    expect(() => decodeCursor('list:deals', token)).toThrow(/paging cursor/);
    const forged = Buffer.from('100124.' + Buffer.from(token, 'base64url').toString().split('.')[1]).toString(
      'base64url',
    );
    expect(() => decodeCursor('list:contacts', forged)).toThrow(/paging cursor/);
    expect(() => decodeCursor('list:contacts', '!!')).toThrow(/paging cursor/);
  });
});
