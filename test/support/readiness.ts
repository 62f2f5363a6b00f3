import { expect } from '@jest/globals';
import { eventually } from './eventually.js';

export interface Readiness {
  status: string;
  reasons?: string[];
}

/** What `/readyz` answers now. */
export async function readiness(gateway: { url: string }): Promise<Readiness> {
  return (await (await fetch(new URL('/readyz', gateway.url))).json()) as Readiness;
}

/** The one line `/readyz` gives once it is degraded (waits for it; fails on more than one). */
export async function degradedLine(gateway: { url: string }): Promise<string | undefined> {
  const degraded = await eventually(async () => {
    const ready = await readiness(gateway);
    return ready.reasons?.length ? ready : undefined;
  }, 'the degraded line');
  expect(degraded.status).toBe('degraded');
  expect(degraded.reasons).toHaveLength(1);
  return degraded.reasons?.[0];
}
