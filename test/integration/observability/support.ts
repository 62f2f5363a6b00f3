import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/codegen-check.js';
import type { Gateway } from '../../../src/server.js';

/** The frontend's own dashboard operation, as the typed client sends it. */
export const DASHBOARD = readFileSync(join(REPO_ROOT, 'client', 'operations', 'dashboard.graphql'), 'utf8');

/** Where the gateway answers anything other than /graphql. */
export function originOf(gateway: Gateway): string {
  return new URL(gateway.url).origin;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const COMMENT = /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$/;

/**
 * Parses the Prometheus text exposition format (version 0.0.4) strictly enough to fail on anything
 * a scraper would reject: every line is a HELP/TYPE comment or a sample with a numeric value.
 */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!COMMENT.test(line)) throw new Error(`not a HELP or TYPE line: ${line}`);
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name, rawLabels = '', rawValue = ''] = match;
    const value = rawValue === '+Inf' ? Infinity : rawValue === '-Inf' ? -Infinity : Number(rawValue);
    if (Number.isNaN(value) && rawValue !== 'NaN') throw new Error(`not a number: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of rawLabels.matchAll(LABEL))
      labels[key as string] = (raw as string).replace(/\\(.)/g, '$1');
    samples.push({ name: name as string, labels, value });
  }
  return samples;
}

/** Sum of a metric's samples whose labels include `where`. */
export function total(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

export async function scrape(gateway: Gateway): Promise<Sample[]> {
  const res = await fetch(`${originOf(gateway)}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  if (!res.headers.get('content-type')?.startsWith('text/plain'))
    throw new Error('/metrics is not text/plain');
  return parsePrometheus(await res.text());
}
