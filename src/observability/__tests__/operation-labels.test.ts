import { describe, expect, it } from '@jest/globals';
import { OTHER_OPERATION, OperationLabels, operationNamesIn } from '../operation-labels.js';

describe('OperationLabels', () => {
  it('labels the first `max` names, then `other`, and keeps the trusted names whatever came first', () => {
    const labels = new OperationLabels(2);
    labels.trust(['Dashboard']);
    expect(['A', 'B', 'C', 'A', null].map((n) => labels.of(n))).toEqual([
      'A',
      'B',
      OTHER_OPERATION,
      'A',
      OTHER_OPERATION,
    ]);
    expect(labels.of('Dashboard')).toBe('Dashboard');
  });

  it('reads operation names from documents, skipping anonymous ones and text that does not parse', () => {
    expect(operationNamesIn(['query A { x } query B { y }', '{ z }', 'not graphql {'])).toEqual(['A', 'B']);
  });
});
