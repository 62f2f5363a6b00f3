import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The schema directory at the repository root (also next to the built `dist/` tree). */
export const SCHEMA_DIR = join(import.meta.dirname, '..', 'schema');

/** The SDL of every `schema/*.graphql` file, in name order. */
export function loadTypeDefs(dir = SCHEMA_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}
