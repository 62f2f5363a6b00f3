import { z } from 'zod';
import { RollingWindows, type DocumentedLimit, type LimitOutcome } from './limits.js';
import { TWINS, type TwinName, type RateLimitState } from './provider.js';
import { Random } from '../data/random.js';

export const RateLimitSchema = z.object({
  /** Requests allowed per window; 0 answers every request with 429. */
  limit: z.number().int().min(0),
  windowMs: z.number().int().min(1),
});

export const KnobsSchema = z.object({
  /** Added latency per request, in milliseconds. */
  latencyMs: z.number().min(0),
  /** Uniform jitter around the latency: each request waits latency ± jitter (never below 0). */
  jitterMs: z.number().min(0),
  /** Share of requests answered with the provider's 5xx, from 0 to 1. */
  errorRate: z.number().min(0).max(1),
  /**
   * Share of requests carried out (a write is made) and then answered with the provider's 5xx, from
   * 0 to 1: an answer lost on its way back. `errorRate` fails a request before it does anything.
   */
  lostAnswerRate: z.number().min(0).max(1),
  /** While true every request gets the provider's 503. */
  outage: z.boolean(),
  /** A per-credential fixed-window limit, or null for none. */
  rateLimit: RateLimitSchema.nullable(),
  /** The provider's own documented limits (per route, in its words); on for `npm start`'s sandbox and `npm run sandbox`. */
  documentedLimits: z.boolean(),
});
export type Knobs = z.infer<typeof KnobsSchema>;
export const KnobsPatchSchema = KnobsSchema.partial().strict();
export type KnobsPatch = z.infer<typeof KnobsPatchSchema>;

export const DEFAULT_KNOBS: Knobs = {
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  lostAnswerRate: 0,
  outage: false,
  rateLimit: null,
  documentedLimits: false,
};

interface Window {
  startedAt: number;
  used: number;
}

/** Run-time failure and latency settings per provider, changeable by tests and the admin endpoint. */
export class KnobBoard {
  private readonly knobs: Record<TwinName, Knobs>;
  private readonly initial: Record<TwinName, Knobs>;
  private readonly windows = new Map<string, Window>();
  private readonly rolling = new RollingWindows();
  private readonly draws: Record<TwinName, () => number>;

  /**
   * `clock` gives the time limits are counted by (tests pass a controllable one). With `faultSeed`
   * each twin draws its faults and jitter from its own seeded sequence, so a run's n-th request to a
   * twin meets the same fault every time (a test's "some calls failed" cannot come out empty by chance).
   */
  constructor(
    initial: Partial<Record<TwinName, KnobsPatch>> = {},
    readonly clock: () => number = Date.now,
    faultSeed?: number,
  ) {
    this.draws = Object.fromEntries(
      TWINS.map((p, i) => {
        if (faultSeed === undefined) return [p, Math.random];
        const random = new Random(faultSeed * 1_000 + i);
        return [p, () => random.float()];
      }),
    ) as Record<TwinName, () => number>;
    this.initial = Object.fromEntries(TWINS.map((p) => [p, { ...DEFAULT_KNOBS, ...initial[p] }])) as Record<
      TwinName,
      Knobs
    >;
    this.knobs = structuredClone(this.initial);
  }

  get(provider: TwinName): Knobs {
    return { ...this.knobs[provider] };
  }

  set(provider: TwinName, patch: KnobsPatch): Knobs {
    const next = KnobsSchema.parse({ ...this.knobs[provider], ...patch });
    this.knobs[provider] = next;
    if ('rateLimit' in patch) this.clearWindows(provider);
    if ('documentedLimits' in patch) this.rolling.clear(provider);
    return { ...next };
  }

  /** Back to the values the sandbox started with. */
  reset(provider?: TwinName): void {
    for (const p of provider ? [provider] : TWINS) {
      this.knobs[p] = { ...this.initial[p] };
      this.clearWindows(p);
      this.rolling.clear(p);
    }
  }

  delayFor(provider: TwinName): number {
    const { latencyMs, jitterMs } = this.knobs[provider];
    if (latencyMs === 0 && jitterMs === 0) return 0;
    return Math.max(0, latencyMs + (this.draws[provider]() * 2 - 1) * jitterMs);
  }

  shouldFail(provider: TwinName): boolean {
    return this.draw(provider, this.knobs[provider].errorRate);
  }

  /** Whether a request just carried out gets a 5xx instead of its answer (`lostAnswerRate`). */
  shouldLoseAnswer(provider: TwinName): boolean {
    return this.draw(provider, this.knobs[provider].lostAnswerRate);
  }

  private draw(provider: TwinName, rate: number): boolean {
    return rate > 0 && this.draws[provider]() < rate;
  }

  /**
   * Takes one request from the credential's window. Returns the window after the request,
   * or null when no limit is set; `remaining < 0` means the request is over the limit.
   */
  consume(provider: TwinName, credential: string, now = this.clock()): RateLimitState | null {
    const limit = this.knobs[provider].rateLimit;
    if (!limit) return null;
    const key = `${provider}\u0000${credential}`;
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= limit.windowMs) {
      window = { startedAt: now, used: 0 };
      this.windows.set(key, window);
    }
    window.used += 1;
    return {
      limit: limit.limit,
      windowMs: limit.windowMs,
      remaining: limit.limit - window.used,
      resetInMs: window.startedAt + limit.windowMs - now,
    };
  }

  /** Counts a request against the provider's documented limits for its route, when that knob is on. */
  consumeDocumented(
    provider: TwinName,
    credential: string,
    limits: readonly DocumentedLimit[],
    now = this.clock(),
  ): LimitOutcome | null {
    if (!this.knobs[provider].documentedLimits || limits.length === 0) return null;
    return this.rolling.take(provider, credential, limits, now);
  }

  private clearWindows(provider: TwinName): void {
    for (const key of this.windows.keys()) if (key.startsWith(`${provider}\u0000`)) this.windows.delete(key);
  }
}
