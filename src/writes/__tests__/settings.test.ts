import { describe, expect, it } from '@jest/globals';
import { readConfig } from '../../config.js';
import { configProblems } from '../../../test/support/config.js';
import { DEFAULT_COMPENSATION_DEADLINE_MS, DEFAULT_COMPENSATION_SWEEP_MS } from '../settings.js';

describe('writes settings', () => {
  it('has defaults, and takes each COMPENSATION_* variable', () => {
    expect(readConfig({}).writes.compensation).toMatchObject({
      deadlineMs: DEFAULT_COMPENSATION_DEADLINE_MS,
      sweepIntervalMs: DEFAULT_COMPENSATION_SWEEP_MS,
    });
    expect(
      readConfig({
        COMPENSATION_DEADLINE_MS: '5000',
        COMPENSATION_RETRIES: '0',
        COMPENSATION_RETRY_BASE_MS: '10',
        COMPENSATION_RETRY_MAX_MS: '20',
        COMPENSATION_WAIT_MS: '0',
        COMPENSATION_SWEEP_MS: '100',
        COMPENSATION_LEASE_MS: '300',
      }).writes.compensation,
    ).toEqual({
      deadlineMs: 5000,
      retries: 0,
      retryBaseMs: 10,
      retryMaxMs: 20,
      waitMs: 0,
      sweepIntervalMs: 100,
      leaseMs: 300,
    });
  });

  it('names every bad value at once, with the others', () => {
    expect(
      configProblems({
        COMPENSATION_DEADLINE_MS: 'soon',
        COMPENSATION_LEASE_MS: '1',
        COMPENSATION_RETRY_BASE_MS: '900',
        COMPENSATION_RETRY_MAX_MS: '100',
        PORT: 'x',
      }),
    ).toEqual([
      'PORT="x": expected a whole number',
      'COMPENSATION_DEADLINE_MS="soon": expected a whole number',
      'COMPENSATION_LEASE_MS="1": Too small: expected number to be >=30',
      'COMPENSATION_RETRY_BASE_MS=900 is larger than COMPENSATION_RETRY_MAX_MS=100',
    ]);
  });
});
