import type { TestStack } from '../../support/stack.js';

/** Settings that open Stripe's circuit after a few failed calls, with no wait for it to half-open. */
export const QUICK_STRIPE_CIRCUIT = {
  CACHE: 'false',
  STRIPE_RETRIES: '0',
  // Every call fails during the outage: the rate passes half as soon as two calls are in the window.
  STRIPE_CIRCUIT_MIN_CALLS: '2',
  STRIPE_CIRCUIT_HALF_OPEN_MS: '600000',
} as const;

const PAYMENTS = /* GraphQL */ `
  {
    customers(first: 3) {
      edges {
        node {
          name
          payments(first: 1) {
            edges {
              node {
                id
              }
            }
          }
        }
      }
    }
  }
`;

async function stripeCircuit(stack: TestStack): Promise<string | undefined> {
  const res = await stack.query<{ providers: Array<{ name: string; circuit: string }> }>(
    '{ providers { name circuit } }',
  );
  return res.data?.providers.find((p) => p.name === 'stripe')?.circuit;
}

/** Takes Stripe down in the sandbox and queries until its circuit opens; fails if it never does. */
export async function openStripeCircuit(stack: TestStack, maxQueries = 10): Promise<void> {
  stack.sandbox.knobs.set('stripe', { outage: true });
  for (let i = 0; i < maxQueries; i++) {
    if ((await stripeCircuit(stack)) === 'OPEN') return;
    await stack.query(PAYMENTS);
  }
  if ((await stripeCircuit(stack)) !== 'OPEN') throw new Error(`Stripe's circuit still closed`);
}
