import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../runtime/package-root.js';

/** The schema directory at the package root (found from src/ and from the built dist/src/ alike). */
export const SCHEMA_DIR = join(PACKAGE_ROOT, 'schema');

/** The SDL of every `schema/*.graphql` file, in name order. */
export function loadTypeDefs(dir = SCHEMA_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}
