import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
import type { Dataset } from '../../../sandbox/data/dataset.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import { createStripeProtocol } from '../../../sandbox/stripe/index.js';

/** Stripe's own example objects (a subset of Stripe's fixtures3.json; see test/fixtures/stripe/README.md). */
const FIXTURES_PATH =
  process.env.STRIPE_FIXTURES ?? resolve(import.meta.dirname, '../../fixtures/stripe/fixtures.json');
type Json = Record<string, unknown>;
const fixtures = (JSON.parse(readFileSync(FIXTURES_PATH, 'utf8')) as { resources: Record<string, Json> })
  .resources;

const KEY = DEFAULT_SANDBOX_CREDENTIALS.stripeSecretKey;
const ANCHOR = Date.UTC(2026, 10, 24);
const LIST_KEYS = ['data', 'has_more', 'object', 'url'];
const SEARCH_KEYS = ['data', 'has_more', 'next_page', 'object', 'url'];

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const keysOf = (o: Json): string[] => Object.keys(o).sort();

/**
 * Differences between an object and Stripe's fixture of its type: the key sets must be equal, and
 * nested objects are compared where both sides have one. An empty fixture object is a free-form map
 * (metadata) and a null value is a nullable field left empty, so neither is descended into.
 */
function shapeProblems(actual: Json, fixture: Json, path: string, out: string[]): void {
  const missing = keysOf(fixture).filter((k) => !(k in actual));
  const extra = keysOf(actual).filter((k) => !(k in fixture));
  if (missing.length) out.push(`${path}: missing ${missing.join(', ')}`);
  if (extra.length) out.push(`${path}: unexpected ${extra.join(', ')}`);
  for (const key of Object.keys(fixture)) {
    const value = actual[key];
    const example = fixture[key];
    if (isObject(value)) compareNested(value, example, `${path}.${key}`, out);
    else if (Array.isArray(value) && Array.isArray(example) && isObject(example[0])) {
      value.forEach((item, i) => {
        if (isObject(item)) compareNested(item, example[0], `${path}.${key}[${i}]`, out);
      });
    }
  }
}

function compareNested(value: Json, example: unknown, path: string, out: string[]): void {
  if (value.object === 'list') {
    if (JSON.stringify(keysOf(value)) !== JSON.stringify(LIST_KEYS))
      out.push(`${path}: list keys ${keysOf(value).join(',')}`);
    const sample = isObject(example) && Array.isArray(example.data) ? example.data[0] : undefined;
    (value.data as unknown[]).forEach((item, i) => {
      if (isObject(item)) compareNested(item, sample, `${path}.data[${i}]`, out);
    });
    return;
  }
  const own = typeof value.object === 'string' ? fixtures[value.object] : undefined;
  const reference = own ?? (isObject(example) ? example : undefined);
  if (!reference || Object.keys(reference).length === 0) return;
  shapeProblems(value, reference, path, out);
}

function checkObject(object: unknown, label: string): string[] {
  const out: string[] = [];
  if (!isObject(object) || typeof object.object !== 'string' || !fixtures[object.object]) {
    return [`${label}: not a known Stripe object`];
  }
  shapeProblems(object, fixtures[object.object] as Json, `${label}<${object.object}>`, out);
  return out;
}

interface Started {
  server: SimulatorServer;
  get(path: string): Promise<{ status: number; text: string; json: Json }>;
}

async function start(dataset: Dataset): Promise<Started> {
  const server = await serveSimulator({
    protocol: createStripeProtocol({ dataset, credentials: DEFAULT_SANDBOX_CREDENTIALS }),
    knobs: new KnobBoard(),
    counters: new RequestCounters(),
  });
  return {
    server,
    async get(path) {
      const res = await fetch(server.url + path, { headers: { Authorization: `Bearer ${KEY}` } });
      const text = await res.text();
      return { status: res.status, text, json: JSON.parse(text) as Json };
    },
  };
}

let dataset: Dataset;
let sim: Started;

beforeAll(async () => {
  dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: ANCHOR });
  sim = await start(dataset);
});

afterAll(async () => {
  await sim.server.close();
});

const LISTS = ['customers', 'charges', 'refunds', 'invoices', 'subscriptions?status=all'];

describe('Stripe simulator object shapes', () => {
  it.each(LISTS)('every object of /v1/%s has the fixture field set, listed and retrieved', async (list) => {
    const separator = list.includes('?') ? '&' : '?';
    const page = await sim.get(`/v1/${list}${separator}limit=100`);
    expect(page.status).toBe(200);
    expect(keysOf(page.json)).toEqual(LIST_KEYS);
    const data = page.json.data as Json[];
    expect(data.length).toBeGreaterThan(0);
    const problems = data.flatMap((object, i) => checkObject(object, `${list}[${i}]`));
    const resource = list.split('?')[0] as string;
    for (const object of data.slice(0, 5)) {
      const one = await sim.get(`/v1/${resource}/${String(object.id)}`);
      expect(one.status).toBe(200);
      expect(one.text).toBe(JSON.stringify(object));
      problems.push(...checkObject(one.json, `${resource}/${String(object.id)}`));
    }
    expect(problems).toEqual([]);
  });

  it('prices, search results and expanded objects have the fixture field sets', async () => {
    const problems: string[] = [];
    for (const price of dataset.prices) {
      const one = await sim.get(`/v1/prices/${price.stripeId}`);
      expect(one.status).toBe(200);
      problems.push(...checkObject(one.json, `prices/${price.stripeId}`));
    }
    for (const [resource, query] of [
      ['customers', "email~'example'"],
      ['charges', "status:'failed'"],
      ['invoices', "status:'paid'"],
      ['subscriptions', "status:'active'"],
    ] as const) {
      const result = await sim.get(`/v1/${resource}/search?query=${encodeURIComponent(query)}&limit=20`);
      expect(result.status).toBe(200);
      expect(keysOf(result.json)).toEqual(SEARCH_KEYS);
      expect(result.json.object).toBe('search_result');
      const counted = await sim.get(
        `/v1/${resource}/search?query=${encodeURIComponent(query)}&expand[]=total_count`,
      );
      expect(keysOf(counted.json)).toEqual([...SEARCH_KEYS, 'total_count'].sort());
      (result.json.data as Json[]).forEach((o, i) =>
        problems.push(...checkObject(o, `${resource}/search[${i}]`)),
      );
    }
    const expanded = await sim.get('/v1/invoices?limit=5&expand[]=data.customer&expand[]=data.subscription');
    (expanded.json.data as Json[]).forEach((invoice, i) => {
      expect(isObject(invoice.customer) && isObject(invoice.subscription)).toBe(true);
      problems.push(...checkObject(invoice, `invoices+expand[${i}]`));
    });
    expect(problems).toEqual([]);
  });

  it('fills values from the dataset in Stripe units', async () => {
    const record = dataset.invoices[0];
    if (!record) throw new Error('dataset too small');
    const invoice = (await sim.get(`/v1/invoices/${record.stripeId}`)).json;
    expect(invoice).toMatchObject({
      amount_due: record.amountDue,
      amount_paid: record.amountPaid,
      currency: record.currency,
      status: record.status,
      created: Math.floor(record.createdAt / 1000),
      customer: dataset.customers[record.customer]?.stripeId,
      subscription: dataset.subscriptions[record.subscription]?.stripeId,
      livemode: false,
    });
    const sub = dataset.subscriptions[record.subscription];
    const subscription = (await sim.get(`/v1/subscriptions/${sub?.stripeId ?? ''}`)).json;
    const item = ((subscription.items as Json).data as Json[])[0];
    expect(item).toMatchObject({
      id: sub?.itemId,
      quantity: sub?.quantity,
      current_period_start: Math.floor((sub?.currentPeriodStart ?? 0) / 1000),
      current_period_end: Math.floor((sub?.currentPeriodEnd ?? 0) / 1000),
      price: { id: dataset.prices[sub?.price ?? 0]?.stripeId },
    });
  });

  it('gives byte-identical pages for the same seed and different ones for another seed', async () => {
    const paths = [
      '/v1/customers?limit=100',
      '/v1/charges?limit=100&expand[]=data.customer',
      '/v1/invoices?limit=50',
      '/v1/subscriptions?status=all&limit=50',
      '/v1/refunds?limit=50',
      `/v1/charges/search?query=${encodeURIComponent("status:'succeeded' amount>20000")}&limit=50`,
    ];
    const twin = await start(generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: ANCHOR }));
    const other = await start(generateDataset({ seed: 8, sizes: DEMO_SIZES, anchor: ANCHOR }));
    try {
      for (const path of paths) {
        const [a, b, c] = await Promise.all([sim.get(path), twin.get(path), other.get(path)]);
        expect(a.status).toBe(200);
        expect(b.text).toBe(a.text);
        expect(c.text).not.toBe(a.text);
      }
      const next = (await sim.get(paths[5] as string)).json.next_page;
      const twinNext = (await twin.get(paths[5] as string)).json.next_page;
      expect(twinNext).toBe(next);
    } finally {
      await Promise.all([twin.server.close(), other.server.close()]);
    }
  });
});
