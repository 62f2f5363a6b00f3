import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { STAGE_OF } from '../../../sandbox/salesforce/seed.js';
import { DEFAULT_DEAL_STAGES } from '../../../sandbox/hubspot/routes/pipelines.js';
import { startTestStack, type TestStack } from '../../support/stack.js';

type Deals = { deals: { edges: Array<{ node: { stage: string; stageLabel: string } }> } };
const QUERY = '{ deals(first: 100) { edges { node { stage stageLabel } } } }';

describe('Deal.stageLabel: the stage as people see it', () => {
  describe('HubSpot: the label from its deal pipelines', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startTestStack();
    }, 60_000);
    afterAll(async () => {
      await stack?.stop();
    });

    it('labels every stage id with its pipeline label', async () => {
      const res = await stack.query<Deals>(QUERY);
      expect(res.errors).toBeUndefined();
      const pairs = new Map(res.data?.deals.edges.map(({ node }) => [node.stage, node.stageLabel]));
      expect(pairs.size).toBeGreaterThan(3);
      for (const [stage, label] of pairs) {
        expect(label).toBe(DEFAULT_DEAL_STAGES.find((s) => s.id === stage)?.label);
      }
    });
  });

  describe('Salesforce: StageName is the label already', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startTestStack({ CRM_PROVIDER: 'salesforce' });
    }, 60_000);
    afterAll(async () => {
      await stack?.stop();
    });

    it('answers the stage name as its label', async () => {
      const res = await stack.query<Deals>(QUERY);
      expect(res.errors).toBeUndefined();
      const edges = res.data?.deals.edges ?? [];
      expect(edges.length).toBeGreaterThan(0);
      const names = new Set<string>(Object.values(STAGE_OF));
      for (const { node } of edges) {
        expect(node.stageLabel).toBe(node.stage);
        expect(names.has(node.stageLabel)).toBe(true);
      }
    });
  });
});
