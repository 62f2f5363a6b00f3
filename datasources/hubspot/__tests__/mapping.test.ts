import { describe, expect, it } from '@jest/globals';
import type { CompanyObject, ContactObject, DealObject } from '../wire.js';
import {
  DEFAULT_MAPPING_OPTIONS,
  dealCurrency,
  dealStatusOf,
  mapCompany,
  mapContact,
  mapDeal,
  parseCount,
  parseDecimalMoney,
  parseHubSpotDate,
  primaryOrFirst,
  recordUrl,
  type MappingOptions,
} from '../mapping.js';

const WITH_PORTAL: MappingOptions = { ...DEFAULT_MAPPING_OPTIONS, portalId: '62515' };

describe('parseDecimalMoney', () => {
  it('turns decimal major units into bigint minor units', () => {
    expect(parseDecimalMoney('1234.56', 'usd')).toEqual({ minor: 123456n, currency: 'USD' });
    expect(parseDecimalMoney('1234.5', 'EUR')).toEqual({ minor: 123450n, currency: 'EUR' });
    expect(parseDecimalMoney('1234', 'GBP')).toEqual({ minor: 123400n, currency: 'GBP' });
    expect(parseDecimalMoney('.5', 'USD')).toEqual({ minor: 50n, currency: 'USD' });
    expect(parseDecimalMoney('-12.30', 'USD')).toEqual({ minor: -1230n, currency: 'USD' });
    expect(parseDecimalMoney(' 7 ', 'USD')).toEqual({ minor: 700n, currency: 'USD' });
  });

  it('uses no minor digits for zero-decimal currencies', () => {
    expect(parseDecimalMoney('5000', 'JPY')).toEqual({ minor: 5000n, currency: 'JPY' });
    expect(parseDecimalMoney('5000.00', 'jpy')).toEqual({ minor: 5000n, currency: 'JPY' });
    expect(parseDecimalMoney('1500', 'KRW')?.minor).toBe(1500n);
  });

  it('keeps amounts beyond float precision exact', () => {
    expect(parseDecimalMoney('90071992547409931.07', 'USD')?.minor).toBe(9007199254740993107n);
  });

  it('rounds digits finer than a minor unit half away from zero', () => {
    expect(parseDecimalMoney('10.005', 'USD')?.minor).toBe(1001n);
    expect(parseDecimalMoney('10.004', 'USD')?.minor).toBe(1000n);
    expect(parseDecimalMoney('-10.005', 'USD')?.minor).toBe(-1001n);
    expect(parseDecimalMoney('99.5', 'JPY')?.minor).toBe(100n);
  });

  it('reads exponent notation', () => {
    expect(parseDecimalMoney('1.5E3', 'USD')?.minor).toBe(150000n);
    expect(parseDecimalMoney('15e-1', 'USD')?.minor).toBe(150n);
  });

  it('answers null for what is not an amount', () => {
    for (const bad of [
      null,
      undefined,
      '',
      '   ',
      'abc',
      '1,000.00',
      '12.3.4',
      '.',
      '-',
      '$5',
      '1e',
      'NaN',
    ]) {
      expect(parseDecimalMoney(bad, 'USD')).toBeNull();
    }
  });
});

describe('parseHubSpotDate', () => {
  it('reads ISO strings and epoch-ms strings', () => {
    expect(parseHubSpotDate('2026-03-01T12:30:00.000Z')?.toISOString()).toBe('2026-03-01T12:30:00.000Z');
    expect(parseHubSpotDate('1572480000000')?.toISOString()).toBe('2019-10-31T00:00:00.000Z');
    expect(parseHubSpotDate('2026-03-01')?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(parseHubSpotDate('2026-03-01T12:30:00+02:00')?.toISOString()).toBe('2026-03-01T10:30:00.000Z');
  });

  it('answers null for blanks and junk instead of guessing', () => {
    for (const bad of [null, undefined, '', 'yesterday', 'March 7, 2026', '2026-13-45T99:99:99Z', '1e12']) {
      expect(parseHubSpotDate(bad)).toBeNull();
    }
  });
});

describe('deal status and currency', () => {
  it('maps closed stages and leaves the rest open', () => {
    expect(dealStatusOf('closedwon', DEFAULT_MAPPING_OPTIONS)).toBe('WON');
    expect(dealStatusOf('closedlost', DEFAULT_MAPPING_OPTIONS)).toBe('LOST');
    expect(dealStatusOf('contractsent', DEFAULT_MAPPING_OPTIONS)).toBe('OPEN');
    expect(dealStatusOf(null, DEFAULT_MAPPING_OPTIONS)).toBe('OPEN');
  });

  it('honours configured stage ids of custom pipelines', () => {
    const options = { ...DEFAULT_MAPPING_OPTIONS, wonStages: new Set(['closedwon', '12345']) };
    expect(dealStatusOf('12345', options)).toBe('WON');
  });

  it('falls back to the account currency when a deal names none', () => {
    expect(dealCurrency('eur', DEFAULT_MAPPING_OPTIONS)).toBe('EUR');
    expect(dealCurrency(null, DEFAULT_MAPPING_OPTIONS)).toBe('USD');
    expect(dealCurrency('', { ...DEFAULT_MAPPING_OPTIONS, defaultCurrency: 'gbp' })).toBe('GBP');
    expect(dealCurrency('euros', DEFAULT_MAPPING_OPTIONS)).toBe('USD');
  });
});

describe('small readers', () => {
  it('builds record URLs only with a portal id', () => {
    expect(recordUrl('contacts', '512', DEFAULT_MAPPING_OPTIONS)).toBeNull();
    expect(recordUrl('contacts', '512', WITH_PORTAL)).toBe(
      'https://app.hubspot.com/contacts/62515/record/0-1/512',
    );
    expect(recordUrl('deals', '9', { ...WITH_PORTAL, appUrl: 'https://app-eu1.hubspot.com/' })).toBe(
      'https://app-eu1.hubspot.com/contacts/62515/record/0-3/9',
    );
  });

  it('reads whole counts', () => {
    expect(parseCount('250')).toBe(250);
    expect(parseCount('250.0')).toBe(250);
    expect(parseCount('2.5')).toBeNull();
    expect(parseCount('')).toBeNull();
    expect(parseCount('-3')).toBeNull();
  });

  it('prefers the primary association', () => {
    expect(primaryOrFirst(undefined)).toBeNull();
    expect(primaryOrFirst([])).toBeNull();
    expect(
      primaryOrFirst([
        { id: '1', primary: false },
        { id: '2', primary: true },
      ]),
    ).toBe('2');
    expect(primaryOrFirst([{ id: '3', primary: false }])).toBe('3');
  });
});

describe('object mapping', () => {
  it('maps a contact, blanks to null', () => {
    const obj: ContactObject = {
      id: '101',
      properties: {
        firstname: 'Ada',
        lastname: '',
        email: 'ada@example.com',
        phone: null,
        jobtitle: 'Engineer',
        lifecyclestage: 'customer',
        associatedcompanyid: '5000000003',
        createdate: '2025-01-02T03:04:05.000Z',
        lastmodifieddate: '1767225600000',
      },
      createdAt: '2025-01-02T03:04:05.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    expect(mapContact(obj, WITH_PORTAL)).toEqual({
      id: '101',
      firstName: 'Ada',
      lastName: null,
      email: 'ada@example.com',
      phone: null,
      jobTitle: 'Engineer',
      lifecycleStage: 'customer',
      companyId: '5000000003',
      createdAt: new Date('2025-01-02T03:04:05.000Z'),
      updatedAt: new Date(1767225600000),
      ref: {
        domain: 'CRM',
        provider: 'hubspot',
        externalId: '101',
        url: 'https://app.hubspot.com/contacts/62515/record/0-1/101',
      },
    });
  });

  it('falls back to the object timestamps when properties are missing', () => {
    const obj: ContactObject = {
      id: '7',
      properties: {},
      createdAt: '2025-05-05T00:00:00.000Z',
      updatedAt: '2025-06-06T00:00:00.000Z',
    };
    const contact = mapContact(obj, DEFAULT_MAPPING_OPTIONS);
    expect(contact.createdAt).toEqual(new Date('2025-05-05T00:00:00.000Z'));
    expect(contact.updatedAt).toEqual(new Date('2025-06-06T00:00:00.000Z'));
    expect(contact.companyId).toBeNull();
    expect(contact.ref.url).toBeNull();
  });

  it('maps a company', () => {
    const obj: CompanyObject = {
      id: '5000000003',
      properties: {
        name: 'Acme',
        domain: 'acme.io',
        industry: 'RETAIL',
        city: 'Lyon',
        country: 'France',
        numberofemployees: '120',
        createdate: '2023-02-03T00:00:00.000Z',
      },
      createdAt: '2023-02-03T00:00:00.000Z',
    };
    expect(mapCompany(obj, DEFAULT_MAPPING_OPTIONS)).toMatchObject({
      id: '5000000003',
      name: 'Acme',
      employeeCount: 120,
      createdAt: new Date('2023-02-03T00:00:00.000Z'),
      ref: { domain: 'CRM', provider: 'hubspot', externalId: '5000000003', url: null },
    });
  });

  it('maps a deal with money, status and links', () => {
    const obj: DealObject = {
      id: '9000000001',
      properties: {
        dealname: 'Big deal',
        amount: '250000',
        deal_currency_code: 'JPY',
        dealstage: 'closedwon',
        closedate: '1767225600000',
        createdate: '2025-10-01T00:00:00.000Z',
      },
      createdAt: '2025-10-01T00:00:00.000Z',
    };
    const deal = mapDeal(
      obj,
      {
        contacts: [{ id: '101', primary: true }],
        companies: [
          { id: '5', primary: false },
          { id: '6', primary: true },
        ],
      },
      DEFAULT_MAPPING_OPTIONS,
    );
    expect(deal).toMatchObject({
      id: '9000000001',
      name: 'Big deal',
      amount: { minor: 250000n, currency: 'JPY' },
      status: 'WON',
      stage: 'closedwon',
      closeDate: new Date(1767225600000),
      parties: { contactId: '101', companyId: '6' },
    });
  });

  it('gives a deal with an unreadable amount no amount', () => {
    const obj: DealObject = {
      id: '1',
      properties: { amount: 'TBD', dealstage: 'qualifiedtobuy' },
      createdAt: '2025-10-01T00:00:00.000Z',
    };
    const deal = mapDeal(obj, { contacts: undefined, companies: undefined }, DEFAULT_MAPPING_OPTIONS);
    expect(deal.amount).toBeNull();
    expect(deal.status).toBe('OPEN');
    expect(deal.parties).toEqual({ contactId: null, companyId: null });
    expect(deal.closeDate).toBeNull();
  });
});
