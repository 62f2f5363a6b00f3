import { z } from 'zod';

/** One undo run, all its retries included; counted from its own start, never from the client request's. */
export const DEFAULT_COMPENSATION_DEADLINE_MS = 30_000;
/** Retries of an undo after its first attempt, within one run. */
export const DEFAULT_COMPENSATION_RETRIES = 5;
/** The backoff between those retries (exponential with jitter, cockatiel), from base up to max. */
export const DEFAULT_COMPENSATION_RETRY_BASE_MS = 200;
export const DEFAULT_COMPENSATION_RETRY_MAX_MS = 5_000;
/** How long a request waits for its own undo before answering "being undone" (an undo is usually one quick call). */
export const DEFAULT_COMPENSATION_WAIT_MS = 2_000;
/** How often every replica looks for undos left unfinished (by a failed run or a dead replica). */
export const DEFAULT_COMPENSATION_SWEEP_MS = 10_000;
/** A runner's hold on an undo (and the sweeper's on sweeping), renewed while it works; a dead one's lapses after this. */
export const DEFAULT_COMPENSATION_LEASE_MS = 30_000;

export interface CompensationSettings {
  deadlineMs: number;
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  waitMs: number;
  sweepIntervalMs: number;
  leaseMs: number;
}

export interface WritesSettings {
  compensation: CompensationSettings;
}

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const ENV = {
  COMPENSATION_DEADLINE_MS: int(100, 3_600_000),
  COMPENSATION_RETRIES: int(0, 100),
  COMPENSATION_RETRY_BASE_MS: int(1, 600_000),
  COMPENSATION_RETRY_MAX_MS: int(1, 600_000),
  COMPENSATION_WAIT_MS: int(0, 600_000),
  COMPENSATION_SWEEP_MS: int(10, 3_600_000),
  COMPENSATION_LEASE_MS: int(30, 3_600_000),
} as const;

/** The writes' own variables, read one by one; each bad value adds one line to `problems`. */
export function readWritesSettings(env: NodeJS.ProcessEnv, problems: string[]): WritesSettings {
  const read = (name: keyof typeof ENV, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const parsed = ENV[name].safeParse(raw);
    if (parsed.success) return parsed.data;
    problems.push(`${name}=${JSON.stringify(raw)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return fallback;
  };
  const compensation: CompensationSettings = {
    deadlineMs: read('COMPENSATION_DEADLINE_MS', DEFAULT_COMPENSATION_DEADLINE_MS),
    retries: read('COMPENSATION_RETRIES', DEFAULT_COMPENSATION_RETRIES),
    retryBaseMs: read('COMPENSATION_RETRY_BASE_MS', DEFAULT_COMPENSATION_RETRY_BASE_MS),
    retryMaxMs: read('COMPENSATION_RETRY_MAX_MS', DEFAULT_COMPENSATION_RETRY_MAX_MS),
    waitMs: read('COMPENSATION_WAIT_MS', DEFAULT_COMPENSATION_WAIT_MS),
    sweepIntervalMs: read('COMPENSATION_SWEEP_MS', DEFAULT_COMPENSATION_SWEEP_MS),
    leaseMs: read('COMPENSATION_LEASE_MS', DEFAULT_COMPENSATION_LEASE_MS),
  };
  if (compensation.retryBaseMs > compensation.retryMaxMs) {
    problems.push(
      `COMPENSATION_RETRY_BASE_MS=${compensation.retryBaseMs} is larger than COMPENSATION_RETRY_MAX_MS=${compensation.retryMaxMs}`,
    );
  }
  return { compensation };
}
