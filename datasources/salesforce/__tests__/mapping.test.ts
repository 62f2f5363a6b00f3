import { describe, expect, it } from '@jest/globals';
import { ProviderErrorCode } from '../../transport/errors.js';
import { classifySalesforceError } from '../errors.js';
import { parseLimitInfo, salesforceQuotaHint } from '../quota.js';
import {
  contactFields,
  dealStatusOf,
  domainOf,
  majorToMinor,
  mapAccount,
  mapContact,
  mapOpportunity,
  parseSalesforceDate,
  parseSalesforceDatetime,
  primaryContact,
} from '../mapping.js';
import { afterCondition, keysetPage } from '../paging.js';
import { datetimeLiteral, inList, isIdOf, literal, select } from '../soql.js';
import { AccountRecord, ContactRecord, OpportunityRecord } from '../wire.js';

const options = { instanceUrl: 'https://acme.my.salesforce.com', defaultCurrency: 'USD' };

describe('Salesforce mapping', () => {
  it('reads Salesforce datetimes (+0000 without a colon) and dates', () => {
    expect(parseSalesforceDatetime('2013-05-20T20:49:32.000+0000')?.toISOString()).toBe(
      '2013-05-20T20:49:32.000Z',
    );
    expect(parseSalesforceDatetime('2013-05-20T20:49:32.000-0230')?.toISOString()).toBe(
      '2013-05-20T23:19:32.000Z',
    );
    expect(parseSalesforceDatetime('2013-05-20T20:49:32Z')?.toISOString()).toBe('2013-05-20T20:49:32.000Z');
    expect(parseSalesforceDatetime('20 May 2013')).toBeNull();
    expect(parseSalesforceDate('2026-03-31')?.toISOString()).toBe('2026-03-31T00:00:00.000Z');
    expect(parseSalesforceDate('2026-3-31')).toBeNull();
  });

  it('turns major-unit numbers into exact minor units per currency', () => {
    expect(majorToMinor(12345.67, 'usd')).toEqual({ minor: 1234567n, currency: 'USD' });
    expect(majorToMinor(0.1 + 0.2, 'USD')).toEqual({ minor: 30n, currency: 'USD' });
    expect(majorToMinor(1500, 'JPY')).toEqual({ minor: 1500n, currency: 'JPY' });
    expect(majorToMinor(1.2345, 'KWD')).toEqual({ minor: 1235n, currency: 'KWD' });
    expect(majorToMinor(-19.995, 'EUR')).toEqual({ minor: -2000n, currency: 'EUR' });
    expect(majorToMinor(1e21, 'USD')).toEqual({ minor: 10n ** 23n, currency: 'USD' });
    expect(majorToMinor(Number.NaN, 'USD')).toBeNull();
  });

  it('decides the deal status from IsClosed and IsWon, whatever the stage is called', () => {
    expect(dealStatusOf({ IsClosed: false, IsWon: false })).toBe('OPEN');
    expect(dealStatusOf({ IsClosed: true, IsWon: true })).toBe('WON');
    expect(dealStatusOf({ IsClosed: true, IsWon: false })).toBe('LOST');
  });

  it('maps a contact, an account and an opportunity to the model', () => {
    const contact = ContactRecord.parse({
      attributes: { type: 'Contact' },
      Id: '003RO0000035WQgYAM',
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Email: 'ada@example.com',
      Phone: ' ',
      Title: 'CTO',
      AccountId: '001RO0000035WQgYAM',
      CreatedDate: '2026-01-02T03:04:05.000+0000',
      LastModifiedDate: null,
    });
    expect(mapContact(contact, options)).toEqual({
      id: '003RO0000035WQgYAM',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      phone: null,
      jobTitle: 'CTO',
      lifecycleStage: null,
      companyId: '001RO0000035WQgYAM',
      createdAt: new Date('2026-01-02T03:04:05.000Z'),
      updatedAt: null,
      ref: {
        domain: 'CRM',
        provider: 'salesforce',
        externalId: '003RO0000035WQgYAM',
        url: 'https://acme.my.salesforce.com/lightning/r/Contact/003RO0000035WQgYAM/view',
      },
    });
    const account = AccountRecord.parse({
      Id: '001RO0000035WQgYAM',
      Name: 'Acme',
      Website: 'https://www.Acme.com/about',
      Industry: 'Media',
      BillingCity: 'Paris',
      BillingCountry: 'France',
      NumberOfEmployees: 120,
      CreatedDate: '2026-01-02T03:04:05.000+0000',
    });
    expect(mapAccount(account, options)).toMatchObject({
      name: 'Acme',
      domain: 'acme.com',
      employeeCount: 120,
    });
    const opportunity = OpportunityRecord.parse({
      Id: '006RO0000035WQgYAM',
      Name: 'Renewal',
      Amount: 2500.5,
      CurrencyIsoCode: 'eur',
      StageName: 'Closed Won',
      IsClosed: true,
      IsWon: true,
      CloseDate: '2026-02-01',
      AccountId: '001RO0000035WQgYAM',
      CreatedDate: '2026-01-02T03:04:05.000+0000',
    });
    expect(mapOpportunity(opportunity, null, options)).toMatchObject({
      amount: { minor: 250050n, currency: 'EUR' },
      status: 'WON',
      stage: 'Closed Won',
      closeDate: new Date('2026-02-01T00:00:00Z'),
      parties: null,
    });
    // Single-currency orgs send no CurrencyIsoCode: the org's currency applies.
    expect(
      mapOpportunity({ ...opportunity, CurrencyIsoCode: undefined, Amount: null }, null, {
        ...options,
        defaultCurrency: 'GBP',
      }).amount,
    ).toBeNull();
    expect(
      mapOpportunity({ ...opportunity, CurrencyIsoCode: undefined }, null, {
        ...options,
        defaultCurrency: 'GBP',
      }).amount,
    ).toEqual({ minor: 250050n, currency: 'GBP' });
  });

  it('refuses records that are not Salesforce-shaped', () => {
    expect(
      ContactRecord.safeParse({ Id: 'not-an-id', CreatedDate: '2026-01-02T03:04:05.000+0000' }).success,
    ).toBe(false);
    expect(
      OpportunityRecord.safeParse({ Id: '006RO0000035WQgYAM', StageName: 'x', IsClosed: 'no' }).success,
    ).toBe(false);
  });

  it('picks the primary contact role, else the first one with a contact', () => {
    expect(primaryContact([{ ContactId: 'a' }, { ContactId: 'b', IsPrimary: true }])).toBe('b');
    expect(primaryContact([{ ContactId: null, IsPrimary: true }, { ContactId: 'c' }])).toBe('c');
    expect(primaryContact([])).toBeNull();
  });

  it('writes only the fields given, null clears, and names them as Salesforce does', () => {
    expect(contactFields({ firstName: 'A', phone: null, jobTitle: '  ' })).toEqual({
      FirstName: 'A',
      Phone: null,
      Title: null,
    });
    expect(domainOf('acme.io')).toBe('acme.io');
    expect(domainOf('not a url at all')).toBeNull();
  });
});

describe('SOQL building', () => {
  it('escapes string literals so input cannot leave them', () => {
    expect(literal("O'Brien\\ ")).toBe("'O\\'Brien\\\\ '");
    expect(inList(["a'", 'b'])).toBe("('a\\'','b')");
    expect(datetimeLiteral(new Date('2026-01-01T00:00:00.123Z'))).toBe('2026-01-01T00:00:00Z');
    expect(
      select({ fields: ['Id'], from: 'Contact', where: ['A = 1', 'B = 2'], orderBy: 'Id', limit: 21 }),
    ).toBe('SELECT Id FROM Contact WHERE A = 1 AND B = 2 ORDER BY Id LIMIT 21');
  });

  it('knows ids by their key prefix', () => {
    expect(isIdOf('003', '003RO0000035WQgYAM')).toBe(true);
    expect(isIdOf('003', '003RO0000035WQg')).toBe(true);
    expect(isIdOf('003', '001RO0000035WQgYAM')).toBe(false);
    expect(isIdOf('003', "003' OR Id != '")).toBe(false);
  });

  it('pages by keyset: limit + 1 rows say whether more follow, the cursor is the last id', () => {
    const rows = ['003A00000000001', '003A00000000002', '003A00000000003'].map((Id) => ({ Id }));
    expect(keysetPage(rows, { limit: 2 }, (r) => r.Id)).toEqual({
      items: ['003A00000000001', '003A00000000002'],
      cursors: ['003A00000000001', '003A00000000002'],
      nextCursor: '003A00000000002',
      previousCursor: null,
      totalCount: null,
    });
    expect(keysetPage(rows.slice(0, 2), { limit: 2 }, (r) => r.Id).nextCursor).toBeNull();
    expect(afterCondition({ limit: 2, after: '003A00000000002' }, 'x')).toBe("Id > '003A00000000002'");
    expect(() => afterCondition({ limit: 2, after: "x' OR Name != '" }, 'x')).toThrow(
      expect.objectContaining({ providerCode: 'INVALID_CURSOR' }),
    );
    expect(() => afterCondition({ limit: 2, before: '003A00000000002' }, 'x')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_PAGING' }),
    );
  });
});

describe('Salesforce errors and limits', () => {
  it('reads the error array: session, limits, bugs, not found', () => {
    const body = (errorCode: string, fields?: string[]) => [{ message: 'echo of input', errorCode, fields }];
    expect(classifySalesforceError(401, body('INVALID_SESSION_ID'), {})).toMatchObject({
      code: ProviderErrorCode.UNAUTHORIZED,
      providerCode: 'INVALID_SESSION_ID',
    });
    expect(classifySalesforceError(403, body('REQUEST_LIMIT_EXCEEDED'), {})).toMatchObject({
      code: ProviderErrorCode.RATE_LIMITED,
    });
    expect(classifySalesforceError(400, body('MALFORMED_QUERY'), {})).toMatchObject({
      code: ProviderErrorCode.REJECTED,
      providerCode: 'MALFORMED_QUERY',
    });
    expect(classifySalesforceError(404, body('NOT_FOUND'), {})).toMatchObject({
      code: ProviderErrorCode.NOT_FOUND,
    });
    expect(classifySalesforceError(400, body('INVALID_EMAIL_ADDRESS', ['Email']), {})).toMatchObject({
      details: { field: 'Email' },
    });
    expect(JSON.stringify(classifySalesforceError(400, body('X'), {}))).not.toContain('echo');
    expect(classifySalesforceError(500, '<html>', {})).toEqual({});
  });

  it('parses Sforce-Limit-Info into the quota hint', () => {
    expect(parseLimitInfo('api-usage=18/5000')).toEqual({ used: 18, allocation: 5000 });
    expect(parseLimitInfo('api-usage=18/5000, per-app-api-usage=2/250(appName=x)')).toEqual({
      used: 18,
      allocation: 5000,
    });
    expect(parseLimitInfo('per-app-api-usage=2/250')).toBeNull();
    // An hour's share of the day's allocation, and of what is left of it.
    expect(salesforceQuotaHint({ 'sforce-limit-info': 'api-usage=18/48000' })).toEqual({
      limit: 2000,
      windowMs: 3_600_000,
      remaining: 1999,
    });
    expect(salesforceQuotaHint({ 'sforce-limit-info': 'api-usage=47760/48000' })).toEqual({
      limit: 2000,
      windowMs: 3_600_000,
      remaining: 10,
    });
    expect(salesforceQuotaHint({})).toBeNull();
  });
});
