import { describe, expect, it } from '@jest/globals';
import { spawnGateway } from '../../support/spawn-gateway.js';

const DASHBOARD = `{ customers(first: 50) { edges { node { name company { name } deals(status: OPEN) { totalCount }
  payments(first: 5) { edges { node { amount { formatted } } } } lifetimeValue { formatted } activity { eventCount } } } } }`;

describe('npm start', () => {
  it('starts Concord against the sandbox, says so, answers the dashboard query, and stops on SIGTERM', async () => {
    const gateway = await spawnGateway();
    try {
      expect(gateway.output()).toMatch(/sandbox mode/);
      expect(gateway.output()).toMatch(/development token \(every scope/);
      const res = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.token ?? ''}` },
        body: JSON.stringify({ query: DASHBOARD }),
      });
      const body = (await res.json()) as { data?: { customers: { edges: unknown[] } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data?.customers.edges).toHaveLength(50);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
    // A whole gateway and its sandbox start from source: more than jest's default 30 s on a loaded machine.
  }, 90_000);

  it('refuses bad settings with one line per variable and exits 1', async () => {
    await expect(spawnGateway({ PORT: 'x', PAGE_SIZE_MAX: '0' }, 10_000)).rejects.toThrow(
      /PORT="x": expected a whole number[\s\S]*PAGE_SIZE_MAX="0"/,
    );
  });
});
