import { beforeAll, describe, expect, it } from '@jest/globals';
import { generateDataset } from '../../../data/generate.js';
import { DEMO_SIZES } from '../../../data/sizes.js';
import { PostHogModel } from '../../model.js';
import { HogQLError } from '../errors.js';
import { runHogQL } from '../execute.js';

const ANCHOR = Date.UTC(2026, 10, 24);
const DAY = 86_400_000;
let model: PostHogModel;

const run = (query: string, values?: Record<string, unknown>) =>
  runHogQL(query, model, { now: ANCHOR, values });

function countRows(test: (row: number) => boolean): number {
  let n = 0;
  for (let row = 0; row < model.table.count; row++) if (test(row)) n++;
  return n;
}

beforeAll(() => {
  model = new PostHogModel(generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: ANCHOR }));
});

describe('runHogQL', () => {
  it('reads now() - INTERVAL against the given clock', () => {
    const since = ANCHOR - 7 * DAY;
    const { results } = run('SELECT count() FROM events WHERE timestamp > now() - INTERVAL 7 DAY');
    expect(results).toEqual([[countRows((r) => (model.table.timestamp[r] as number) > since)]]);
  });

  it('groups by position and orders by alias, with HAVING', () => {
    const { results, columns } = run(
      'SELECT event AS name, count() AS c FROM events GROUP BY 1 HAVING c > 1000 ORDER BY c DESC, name',
    );
    expect(columns).toEqual(['name', 'c']);
    const expected = model.table.names
      .map((name, i) => [name, countRows((r) => model.table.name[r] === i)] as [string, number])
      .filter(([, c]) => c > 1000)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    expect(results).toEqual(expected);
  });

  it('treats missing properties as NULL and matches LIKE patterns', () => {
    const purchases = countRows((r) => model.eventName(r) === 'purchase');
    expect(
      run('SELECT countIf(properties.amount IS NOT NULL), count(properties.amount) FROM events').results,
    ).toEqual([[purchases, purchases]]);
    const docs = countRows((r) => model.table.urls[model.table.url[r] as number] === '/docs');
    expect(run("SELECT count() FROM events WHERE properties.$current_url LIKE '%/docs'").results).toEqual([
      [docs],
    ]);
  });

  it('sums amounts once converted to numbers, and refuses summing text', () => {
    let total = 0;
    for (let r = 0; r < model.table.count; r++) total += model.table.value[r] as number;
    expect(run("SELECT sum(toInt(properties.amount)) FROM events WHERE event = 'purchase'").results).toEqual([
      [total],
    ]);
    expect(() => run('SELECT sum(properties.amount) FROM events')).toThrow(HogQLError);
  });

  it('reads person properties through person.properties', () => {
    const person = model.dataset.persons[5];
    const contact = model.dataset.contacts[person?.contact ?? 0];
    const { results } = run('SELECT person.properties.email FROM events WHERE distinct_id = {id} LIMIT 1', {
      id: contact?.crmId,
    });
    const hasEvents = countRows((r) => model.table.person[r] === 5) > 0;
    expect(results).toEqual(hasEvents ? [[contact?.email]] : []);
  });

  it('answers an aggregate over no rows with one row', () => {
    expect(run("SELECT count(), max(timestamp) FROM events WHERE event = 'nothing'").results).toEqual([
      [0, null],
    ]);
  });
});
