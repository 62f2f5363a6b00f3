import { describe, expect, it } from '@jest/globals';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { toGlobalId } from '../../relay/global-ids.js';
import { chosenProviders } from '../../providers/registry.js';
import { idsPerCall, upstreamEstimate } from '../upstream-budget.js';

const perCall = idsPerCall(chosenProviders({ crm: 'hubspot', payments: 'stripe', analytics: 'posthog' }));

function estimate(query: string, variables: Record<string, unknown> = {}): number {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (!operation) throw new Error('no operation');
  return upstreamEstimate(document, operation, variables, perCall);
}

const ids = (type: 'Payment' | 'Customer' | 'AnalyticsEvent', n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => toGlobalId(type, `id${from + i}`));

describe('upstream estimate', () => {
  it('costs a Stripe id one call, and HubSpot and PostHog ids their batch size', () => {
    const query = 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }';
    expect(estimate(query, { ids: ids('Payment', 2_000) })).toBe(2_000);
    expect(estimate(query, { ids: ids('Customer', 250) })).toBe(3);
    expect(estimate(query, { ids: ids('AnalyticsEvent', 1_001) })).toBe(2);
    expect(estimate(query, { ids: [...ids('Payment', 5), ...ids('Customer', 5)] })).toBe(6);
  });

  it('counts a repeated id once, through aliases, fragments and node(id:)', () => {
    const [a, b] = ids('Payment', 2);
    const query = `
      query ($a: ID!) { x: node(id: $a) { id } y: node(id: "${b}") { id } ...More }
      fragment More on Query { nodes(ids: ["${a}", "${b}"]) { id } }`;
    expect(estimate(query, { a })).toBe(2);
  });

  it('costs nothing for ids it did not issue or fields without ids', () => {
    expect(estimate('{ nodes(ids: ["nonsense", "dj"]) { id } }')).toBe(0);
    expect(estimate('{ customers(first: 50) { edges { node { id } } } }')).toBe(0);
  });
});
