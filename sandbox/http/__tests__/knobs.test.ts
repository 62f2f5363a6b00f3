import { describe, expect, it } from '@jest/globals';
import { KnobBoard } from '../knobs.js';

describe('KnobBoard', () => {
  it('starts from the given values and resets to them', () => {
    const board = new KnobBoard({ stripe: { latencyMs: 20 } });
    expect(board.get('stripe').latencyMs).toBe(20);
    board.set('stripe', { latencyMs: 50, outage: true });
    expect(board.get('stripe')).toMatchObject({ latencyMs: 50, outage: true });
    board.reset('stripe');
    expect(board.get('stripe')).toMatchObject({ latencyMs: 20, outage: false });
  });

  it('refuses values out of range', () => {
    const board = new KnobBoard();
    expect(() => board.set('hubspot', { errorRate: 2 })).toThrow();
    expect(() => board.set('hubspot', { latencyMs: -1 })).toThrow();
  });

  it('counts a fixed window per credential and opens a new window when it ends', () => {
    const board = new KnobBoard({ posthog: { rateLimit: { limit: 2, windowMs: 1000 } } });
    expect(board.consume('posthog', 'a', 0)?.remaining).toBe(1);
    expect(board.consume('posthog', 'a', 10)?.remaining).toBe(0);
    const over = board.consume('posthog', 'a', 20);
    expect(over?.remaining).toBe(-1);
    expect(over?.resetInMs).toBe(980);
    expect(board.consume('posthog', 'b', 20)?.remaining).toBe(1);
    expect(board.consume('posthog', 'a', 1000)?.remaining).toBe(1);
    expect(board.consume('stripe', 'a', 0)).toBeNull();
  });

  it('keeps jittered delays within latency ± jitter and never negative', () => {
    const board = new KnobBoard({ hubspot: { latencyMs: 10, jitterMs: 30 } });
    for (let i = 0; i < 200; i++) {
      const d = board.delayFor('hubspot');
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(40);
    }
  });
});
