import { describe, expect, it } from '@jest/globals';
import { stableJson } from '../stable-json.js';

/** The replacer-only version: every input must keep giving its text (cursors carry it). */
const reference = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

describe('stableJson', () => {
  it('sorts keys and gives the same text as the replacer for flat and nested values', () => {
    const values: unknown[] = [
      { status: null, contact: '123' },
      { contact: '1', status: 'OPEN', name: 'a"b\u2028', n: -0, big: 1e21, yes: true, gone: undefined },
      { company: 'x', status: 'WON' },
      { b: { d: 1, c: [{ z: 1, y: 2 }] }, a: new Date(0) },
      { nan: NaN, inf: Infinity },
      { f: () => 1, s: 'kept' },
      { Z: 1, a: 2, _: 3, ä: 4, B: 5 },
      {},
      [{ b: 1, a: 2 }],
      'text',
      12,
      null,
    ];
    for (const value of values) expect(stableJson(value)).toBe(reference(value));
    expect(stableJson({ status: null, contact: '123' })).toBe('{"contact":"123","status":null}');
  });
});
