import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from '@hubspot/api-client';
import Stripe from 'stripe';
import type { RunningSandbox, SandboxOptions } from '../../sandbox/index.js';

/** The fidelity suite's sandbox: one seed and anchor, so every file sees the same data. */
export const FIDELITY_SANDBOX: SandboxOptions = { seed: 7, anchor: Date.UTC(2026, 10, 24) };

type Json = Record<string, unknown>;

/** Stripe's own fixtures (test/fixtures/stripe), by resource name: the shapes the twin must answer in. */
export const stripeFixtures = (
  JSON.parse(readFileSync(resolve(import.meta.dirname, '../fixtures/stripe/fixtures.json'), 'utf8')) as {
    resources: Record<string, Json>;
  }
).resources;

export const keysOf = (o: unknown): string[] => Object.keys(o as Json).sort();

/** stripe-node pointed at the twin, without its own retries (a test sees each answer). */
export function stripeNode(sandbox: RunningSandbox, options: Stripe.StripeConfig = {}): Stripe {
  const { hostname, port } = new URL(sandbox.urls.stripe);
  return new Stripe(sandbox.credentials.stripeSecretKey, {
    host: hostname,
    port: Number(port),
    protocol: 'http',
    maxNetworkRetries: 0,
    ...options,
  });
}

/** @hubspot/api-client pointed at the twin, without its own retries. */
export function hubspotClient(sandbox: RunningSandbox): Client {
  return new Client({
    accessToken: sandbox.credentials.hubspotAccessToken,
    basePath: sandbox.urls.hubspot,
    numberOfApiCallRetries: 0,
  });
}

/** What a call that must fail threw (the library's own error type). */
export async function rejectionOf<E>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected the call to fail');
}
