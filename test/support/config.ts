import { ConfigError, readConfig } from '../../src/config.js';

/** The start-up problems `env` would be refused with (empty when it is accepted). */
export function configProblems(env: NodeJS.ProcessEnv): string[] {
  try {
    readConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
