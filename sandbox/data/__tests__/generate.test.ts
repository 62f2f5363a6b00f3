import { describe, expect, it } from '@jest/globals';
import type { Dataset } from '../dataset.js';
import { generateDataset } from '../generate.js';
import { ADA, ADA_MIN_PAYMENTS, adaIndex } from '../seed-ada.js';
import { DEMO_SIZES } from '../sizes.js';

const anchor = Date.UTC(2026, 10, 24);

/** Everything in the data set as one comparable string (typed arrays included). */
function fingerprint(dataset: Dataset): string {
  return JSON.stringify(dataset, (_key, value: unknown) =>
    ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value,
  );
}

describe('generateDataset', () => {
  const dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor });

  it('has the configured sizes', () => {
    expect(dataset.contacts).toHaveLength(DEMO_SIZES.contacts);
    expect(dataset.companies).toHaveLength(DEMO_SIZES.companies);
    expect(dataset.deals).toHaveLength(DEMO_SIZES.deals);
    expect(dataset.charges).toHaveLength(DEMO_SIZES.charges);
    expect(dataset.events.count).toBe(DEMO_SIZES.events);
    expect(dataset.persons).toHaveLength(DEMO_SIZES.contacts);
  });

  it('gives the same data for the same seed and different data for another seed', () => {
    const again = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor });
    const other = generateDataset({ seed: 8, sizes: DEMO_SIZES, anchor });
    expect(fingerprint(again)).toBe(fingerprint(dataset));
    expect(fingerprint(other)).not.toBe(fingerprint(dataset));
  });

  it('keeps ids unique per kind', () => {
    const kinds: Array<Array<{ crmId?: string; stripeId?: string }>> = [
      dataset.contacts,
      dataset.companies,
      dataset.deals,
      dataset.customers,
      dataset.charges,
      dataset.refunds,
      dataset.subscriptions,
      dataset.invoices,
      dataset.prices,
    ];
    for (const records of kinds) {
      const ids = records.map((r) => r.crmId ?? r.stripeId);
      expect(new Set(ids).size).toBe(records.length);
    }
    expect(new Set(dataset.contacts.map((c) => c.email.toLowerCase())).size).toBe(dataset.contacts.length);
  });

  it('links every record to an existing one, consistently across providers', () => {
    for (const contact of dataset.contacts) {
      expect(contact.company).toBeLessThan(dataset.companies.length);
      // Ada keeps the README's address whatever company she works for.
      if (contact.company >= 0 && contact.email !== ADA.email)
        expect(contact.email.endsWith(`@${dataset.companies[contact.company]?.domain}`)).toBe(true);
    }
    for (const deal of dataset.deals) {
      const owner = dataset.contacts[deal.contact];
      expect(owner).toBeDefined();
      expect(deal.company).toBe(owner?.company);
    }
    for (const customer of dataset.customers) expect(dataset.contacts[customer.contact]).toBeDefined();
    expect(new Set(dataset.customers.map((c) => c.contact)).size).toBe(dataset.customers.length);
    for (const charge of dataset.charges) {
      const customer = dataset.customers[charge.customer];
      expect(charge.currency).toBe(customer?.currency);
      expect(charge.createdAt).toBeGreaterThanOrEqual(customer?.createdAt ?? Infinity);
      expect(charge.amountRefunded).toBeLessThanOrEqual(charge.amount);
    }
    for (const refund of dataset.refunds) {
      expect(refund.amount).toBe(dataset.charges[refund.charge]?.amountRefunded);
    }
    dataset.persons.forEach((person, i) => expect(person.contact).toBe(i));
  });

  it('puts everything at or before the anchor, except open deals closing later', () => {
    const times = [
      ...dataset.contacts.map((c) => c.createdAt),
      ...dataset.charges.map((c) => c.createdAt),
      ...dataset.invoices.map((i) => i.createdAt),
      ...dataset.customers.map((c) => c.createdAt),
    ];
    expect(Math.max(...times)).toBeLessThanOrEqual(anchor);
    expect(dataset.events.timestamp[dataset.events.count - 1]).toBeLessThanOrEqual(anchor);
  });

  it('sorts events by time and indexes each person’s events in the same order', () => {
    const { events } = dataset;
    let unsorted = 0;
    for (let i = 1; i < events.count; i++) {
      if ((events.timestamp[i] as number) < (events.timestamp[i - 1] as number)) unsorted++;
    }
    expect(unsorted).toBe(0);
    let indexed = 0;
    let misplaced = 0;
    for (let p = 0; p < dataset.persons.length; p++) {
      const from = events.personStart[p] as number;
      const to = events.personStart[p + 1] as number;
      for (let k = from; k < to; k++) {
        const row = events.byPerson[k] as number;
        if (events.person[row] !== p) misplaced++;
        if (k > from && row <= (events.byPerson[k - 1] as number)) misplaced++;
      }
      indexed += to - from;
    }
    expect(misplaced).toBe(0);
    expect(indexed).toBe(events.count);
  });
});

describe('Ada Lovelace, the README’s customer', () => {
  it.each([42, 7, 1])('is in the data of seed %i once, with a company, a deal and payments', (seed) => {
    const dataset = generateDataset({ seed, sizes: DEMO_SIZES, anchor });
    const adas = dataset.contacts.filter((c) => c.email === ADA.email);
    expect(adas).toHaveLength(1);
    const index = dataset.contacts.indexOf(adas[0] as (typeof adas)[number]);
    expect(adaIndex(dataset)).toBe(index);
    expect(adas[0]).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', lifecycleStage: 'customer' });
    expect(adas[0]?.company).toBeGreaterThanOrEqual(0);
    expect(dataset.deals.some((d) => d.contact === index)).toBe(true);
    const account = dataset.customers.findIndex((c) => c.contact === index);
    expect(dataset.charges.filter((c) => c.customer === account).length).toBeGreaterThanOrEqual(
      ADA_MIN_PAYMENTS,
    );
  });
});
