import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * A feature flag as the sandbox simulates it: on or off for the whole project, rolled out to a
 * share of distinct ids, with an optional JSON payload. Property, cohort and group conditions,
 * multivariate flags and experience continuity are not simulated (a flag defined here has none).
 */
export const FeatureFlagSchema = z
  .object({
    key: z.string().regex(/^[\w-]+$/, 'letters, digits, _ and - only'),
    active: z.boolean().default(true),
    rolloutPercentage: z.number().min(0).max(100).default(100),
    payload: z.json().optional(),
  })
  .strict();
export type FeatureFlag = z.output<typeof FeatureFlagSchema>;

/**
 * PostHog's bucketing: SHA-1 of `key.distinct_id`, its first 15 hex digits over 0xfffffffffffffff
 * (2^60 - 1, which is 2^60 as a double, as the JS libraries compute it).
 */
const LONG_SCALE = 2 ** 60;
export function flagHash(key: string, distinctId: string): number {
  const hex = createHash('sha1').update(`${key}.${distinctId}`).digest('hex');
  return parseInt(hex.slice(0, 15), 16) / LONG_SCALE;
}

/** The project's flags, in creation order; ids count from 1 as PostHog's do. */
export class FeatureFlags {
  private readonly flags = new Map<string, FeatureFlag & { id: number; version: number }>();
  private nextId = 1;

  list(): readonly (FeatureFlag & { id: number; version: number })[] {
    return [...this.flags.values()];
  }

  /** Creates or replaces a flag (a replaced one keeps its id and gets a new version). */
  put(flag: FeatureFlag): FeatureFlag & { id: number; version: number } {
    const existing = this.flags.get(flag.key);
    const stored = {
      ...flag,
      id: existing?.id ?? this.nextId++,
      version: (existing?.version ?? 0) + 1,
    };
    this.flags.set(flag.key, stored);
    return stored;
  }

  remove(key: string): boolean {
    return this.flags.delete(key);
  }

  /** `/flags?v=2`'s `flags` map for a distinct id: every active flag, enabled or not, with its reason. */
  evaluate(distinctId: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const flag of this.flags.values()) {
      if (!flag.active) continue;
      const enabled = flagHash(flag.key, distinctId) <= flag.rolloutPercentage / 100;
      out[flag.key] = {
        key: flag.key,
        enabled,
        variant: null,
        reason: enabled
          ? { code: 'condition_match', condition_index: 0, description: 'Matched condition set 1' }
          : { code: 'out_of_rollout_bound', condition_index: 0, description: 'Out of rollout bound' },
        metadata: {
          id: flag.id,
          version: flag.version,
          payload: enabled && flag.payload !== undefined ? JSON.stringify(flag.payload) : null,
          description: null,
        },
      };
    }
    return out;
  }

  /** The local-evaluation definitions (`GET /flags/definitions`) server-side libraries poll. */
  definitions(teamId: number): Record<string, unknown> {
    return {
      flags: this.list().map((flag) => ({
        id: flag.id,
        team_id: teamId,
        name: '',
        key: flag.key,
        filters: {
          groups: [{ properties: [], rollout_percentage: flag.rolloutPercentage, variant: null }],
          payloads: flag.payload !== undefined ? { true: JSON.stringify(flag.payload) } : {},
          multivariate: null,
        },
        deleted: false,
        active: flag.active,
        ensure_experience_continuity: false,
        version: flag.version,
      })),
      group_type_mapping: {},
      cohorts: {},
    };
  }
}
