import { describe, expect, it, jest } from '@jest/globals';
import { settleMemoryAfterStart } from '../settle-memory.js';

describe('settleMemoryAfterStart', () => {
  it('runs one synchronous memory-reducing major collection when gc is exposed', () => {
    const gc = jest.fn<(options?: unknown) => void>();
    const ms = settleMemoryAfterStart(gc as unknown as NodeJS.GCFunction);
    expect(gc).toHaveBeenCalledTimes(1);
    expect(gc).toHaveBeenCalledWith({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    expect(ms).toEqual(expect.any(Number));
  });

  it('does nothing without --expose-gc', () => {
    expect(settleMemoryAfterStart(undefined)).toBeNull();
  });
});
