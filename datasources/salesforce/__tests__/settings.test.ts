import { describe, expect, it } from '@jest/globals';
import { DEFAULT_WRITE_KEY_FIELD, SALESFORCE_VARIABLES, salesforceSettings } from '../settings.js';

describe('SALESFORCE_WRITE_KEY_FIELD', () => {
  const parse = (value: string) => SALESFORCE_VARIABLES.SALESFORCE_WRITE_KEY_FIELD.safeParse(value).success;

  it('takes a custom field API name (with a namespace or not), or off', () => {
    for (const ok of ['Concord_Write_Key__c', 'acme__Write_Key__c', 'Key2__c', 'off']) {
      expect({ ok, valid: parse(ok) }).toEqual({ ok, valid: true });
    }
  });

  it('refuses standard fields, labels, and names Salesforce would not make', () => {
    for (const bad of ['Email', 'Concord Write Key__c', '__c', '_Key__c', 'a__b__c__c', 'Key___c', 'OFF']) {
      expect({ bad, valid: parse(bad) }).toEqual({ bad, valid: false });
    }
  });

  it('defaults to Concord_Write_Key__c; off is none', () => {
    expect(salesforceSettings({}).writeKeyField).toBe(DEFAULT_WRITE_KEY_FIELD);
    expect(DEFAULT_WRITE_KEY_FIELD).toBe('Concord_Write_Key__c');
    expect(salesforceSettings({ SALESFORCE_WRITE_KEY_FIELD: 'off' }).writeKeyField).toBeNull();
    expect(salesforceSettings({ SALESFORCE_WRITE_KEY_FIELD: 'Key2__c' }).writeKeyField).toBe('Key2__c');
  });
});
