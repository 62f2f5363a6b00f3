import type { z } from 'zod';

/** The environment as settings readers see it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Credentials are never echoed back in a start-up error, even malformed ones. */
// A Redis URL may carry a password: never echoed either. A setting naming a provider's field or
// property (HUBSPOT_WRITE_KEY_PROPERTY, SALESFORCE_WRITE_KEY_FIELD) holds no secret: shown.
export const isSecretVariable = (name: string): boolean =>
  /KEY|TOKEN|SECRET|REDIS_URL/.test(name) && !/_(FIELD|PROPERTY)$/.test(name);

/**
 * Validates each variable on its own, so one bad value hides neither another nor the good ones:
 * one line per bad value goes to `problems`, values that pass (or are unset) come back by name.
 * An empty string counts as unset.
 */
export function readVariables(
  schemas: Readonly<Record<string, z.ZodType>>,
  env: Env,
  problems: string[],
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const raw = env[name] === '' ? undefined : env[name];
    const result = schema.safeParse(raw);
    if (result.success) {
      values[name] = result.data;
      continue;
    }
    const shown = isSecretVariable(name) ? '(hidden)' : JSON.stringify(env[name]);
    problems.push(`${name}=${shown}: ${result.error.issues[0]?.message ?? 'invalid'}`);
  }
  return values;
}

/** True when the variable holds a value (an empty string counts as unset). */
export const isSet = (env: Env, name: string): boolean => env[name] !== undefined && env[name] !== '';
