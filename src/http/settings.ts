import { z } from 'zod';
import type { RateLimitSettings } from './rate-limit.js';

/** Requests per client per window: generous for a dashboard, low enough to stop a runaway loop. */
export const DEFAULT_RATE_LIMIT: RateLimitSettings = { points: 600, durationS: 60 };
/** A GraphQL document plus variables is far smaller; larger bodies are refused unread (HTTP 413). */
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/** `60/60s`, `1000/1h`, or `off`. */
export const RateLimitSchema = z
  .string()
  .regex(/^(off|\d+\/\d+[smh])$/, 'expected requests/window such as 60/60s or 1000/1h, or off')
  .transform((raw): RateLimitSettings | null => {
    if (raw === 'off') return null;
    const [points = '', window = ''] = raw.split('/');
    const unit = window.slice(-1) as keyof typeof UNIT_SECONDS;
    return { points: Number(points), durationS: Number(window.slice(0, -1)) * UNIT_SECONDS[unit] };
  })
  .refine((v) => v === null || (v.points >= 1 && v.durationS >= 1), 'both numbers must be at least 1');

/** Comma-separated origins (scheme://host[:port]) browsers may call from; none by default. */
export const CorsOriginsSchema = z
  .string()
  .transform((raw) =>
    raw
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  )
  .refine(
    (origins) => origins.every((o) => /^https?:\/\/[^/\s*]+$/.test(o)),
    'expected origins such as https://app.example.com, separated by commas (no paths, no *)',
  );
