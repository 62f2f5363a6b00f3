import { describe, expect, it } from '@jest/globals';
import { DEFAULT_REQUEST_DEADLINE_MS, readConfig } from '../config.js';
import { PROVIDER_DESCRIPTORS } from '../providers/registry.js';
import {
  DEFAULT_CIRCUIT_HALF_OPEN_MS,
  DEFAULT_CIRCUIT_MIN_CALLS,
  DEFAULT_CIRCUIT_THRESHOLD,
  DEFAULT_CIRCUIT_WINDOW_MS,
} from '../../datasources/transport/circuit.js';
import {
  DEFAULT_RETRIES,
  DEFAULT_RETRY_BASE_MS,
  DEFAULT_RETRY_MAX_MS,
} from '../../datasources/transport/retry.js';
import { configProblems } from '../../test/support/config.js';

describe('transport policy settings', () => {
  it('has a default for every provider and setting', () => {
    const config = readConfig({});
    expect(config.requestDeadlineMs).toBe(DEFAULT_REQUEST_DEADLINE_MS);
    expect(config.resilience.retryBaseMs).toBe(DEFAULT_RETRY_BASE_MS);
    expect(config.resilience.retryMaxMs).toBe(DEFAULT_RETRY_MAX_MS);
    expect(Object.keys(config.resilience.providers)).toEqual(['hubspot', 'salesforce', 'stripe', 'posthog']);
    for (const { name, transport } of PROVIDER_DESCRIPTORS) {
      expect(config.resilience.providers[name]).toEqual({
        retries: DEFAULT_RETRIES,
        circuitThreshold: DEFAULT_CIRCUIT_THRESHOLD,
        circuitWindowMs: DEFAULT_CIRCUIT_WINDOW_MS,
        circuitMinCalls: DEFAULT_CIRCUIT_MIN_CALLS,
        circuitHalfOpenMs: DEFAULT_CIRCUIT_HALF_OPEN_MS,
        concurrency: transport.concurrency,
        queue: transport.queue,
      });
    }
  });

  it('reads each provider on its own', () => {
    const config = readConfig({
      REQUEST_DEADLINE_MS: '1500',
      STRIPE_RETRIES: '0',
      STRIPE_CIRCUIT_THRESHOLD: '0.25',
      STRIPE_CIRCUIT_WINDOW_MS: '2000',
      STRIPE_CIRCUIT_MIN_CALLS: '3',
      STRIPE_CIRCUIT_HALF_OPEN_MS: '250',
      POSTHOG_CONCURRENCY: '1',
      POSTHOG_QUEUE: '0',
    });
    expect(config.requestDeadlineMs).toBe(1500);
    expect(config.resilience.providers.stripe).toMatchObject({
      retries: 0,
      circuitThreshold: 0.25,
      circuitWindowMs: 2000,
      circuitMinCalls: 3,
      circuitHalfOpenMs: 250,
    });
    expect(config.resilience.providers.posthog).toMatchObject({ concurrency: 1, queue: 0 });
    expect(config.resilience.providers.hubspot?.retries).toBe(DEFAULT_RETRIES);
  });

  it('names every bad value on its own line', () => {
    expect(
      configProblems({
        REQUEST_DEADLINE_MS: '0',
        HUBSPOT_RETRIES: 'many',
        STRIPE_CONCURRENCY: '0',
        RETRY_BASE_MS: '500',
        RETRY_MAX_MS: '100',
        HUBSPOT_CIRCUIT_THRESHOLD: '1',
        STRIPE_CIRCUIT_THRESHOLD: '0.0',
        POSTHOG_CIRCUIT_MIN_CALLS: '0',
        STRIPE_CIRCUIT_FAILURES: '5',
      }),
    ).toEqual([
      'REQUEST_DEADLINE_MS="0": Too small: expected number to be >=1',
      'HUBSPOT_RETRIES="many": expected a whole number',
      'HUBSPOT_CIRCUIT_THRESHOLD="1": expected a decimal between 0 and 1, e.g. 0.5',
      'STRIPE_CIRCUIT_THRESHOLD="0.0": must be more than 0',
      'STRIPE_CONCURRENCY="0": Too small: expected number to be >=1',
      'POSTHOG_CIRCUIT_MIN_CALLS="0": Too small: expected number to be >=1',
      'RETRY_BASE_MS=500 is larger than RETRY_MAX_MS=100',
      'STRIPE_CIRCUIT_FAILURES is no longer read: the circuit opens on a failure rate (STRIPE_CIRCUIT_THRESHOLD, _CIRCUIT_WINDOW_MS, _CIRCUIT_MIN_CALLS)',
    ]);
  });
});
