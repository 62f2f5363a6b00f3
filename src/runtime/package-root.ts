import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The nearest folder at or above `from` holding a package.json. Run from source this file sits in
 * src/, built it sits in dist/src/ (dist/ has no package.json), so both find the same root: the
 * folder schema/, client/generated/ and src/graphiql/browser/ are read from.
 */
export function findPackageRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json at or above ${from}`);
    dir = parent;
  }
}

/** Concord's package root, whether it runs from src/ (tsx) or from dist/ (node dist/src/main.js). */
export const PACKAGE_ROOT = findPackageRoot(import.meta.dirname);
