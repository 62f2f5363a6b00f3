import { describe, expect, it } from '@jest/globals';
import type { PolicyStates } from '../../../datasources/transport/policy.js';
import { readiness } from '../health.js';

const noCircuits = { all: () => [] } as unknown as PolicyStates;

describe('readiness with OAuth credentials', () => {
  it('says nothing of credentials when no provider refreshes tokens', async () => {
    expect(await readiness(null, noCircuits)).toEqual({
      status: 'ready',
      config: 'ok',
      cache: 'off',
      circuits: {},
      unavailable: [],
    });
  });

  it('is degraded naming the provider whose refresh token was refused, with a reason to act on', async () => {
    const answer = await readiness(null, noCircuits, [
      { provider: 'salesforce', state: 'revoked', since: 1 },
      { provider: 'hubspot', state: 'ok', since: null },
    ]);
    expect(answer).toMatchObject({
      status: 'degraded',
      unavailable: ['salesforce'],
      credentials: { salesforce: 'revoked', hubspot: 'ok' },
    });
    expect(answer.reasons).toEqual([
      expect.stringMatching(/^salesforce: its OAuth refresh token was refused/),
    ]);
  });
});
