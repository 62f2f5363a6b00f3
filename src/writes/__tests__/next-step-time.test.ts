import { describe, expect, it } from '@jest/globals';
import {
  currentRequestScope,
  newRequestScope,
  runInRequestScope,
} from '../../../datasources/transport/request-scope.js';
import { leavingTimeForNextStep } from '../next-step-time.js';

describe('leavingTimeForNextStep', () => {
  it('runs the first write with the deadline moved earlier by the reserve, and puts it back', async () => {
    const scope = newRequestScope('r1', 50_000);
    const seen = await runInRequestScope(scope, () =>
      leavingTimeForNextStep(async () => currentRequestScope()?.deadline, 1_000),
    );
    expect(seen).toBe(49_000);
    expect(scope.deadline).toBe(50_000);
  });

  it('puts the deadline back when the write fails', async () => {
    const scope = newRequestScope('r2', 50_000);
    await expect(
      runInRequestScope(scope, () =>
        leavingTimeForNextStep(async () => {
          throw new Error('refused');
        }),
      ),
    ).rejects.toThrow('refused');
    expect(scope.deadline).toBe(50_000);
  });

  it('leaves a request without a deadline (or no request) as it is', async () => {
    const scope = newRequestScope('r3', null);
    expect(
      await runInRequestScope(scope, () =>
        leavingTimeForNextStep(async () => currentRequestScope()?.deadline),
      ),
    ).toBeNull();
    expect(await leavingTimeForNextStep(async () => 'outside')).toBe('outside');
  });
});
