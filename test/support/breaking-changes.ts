import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { z } from 'zod';

/**
 * The breaking-change check: the schema in schema/*.graphql against the last release in
 * schema/releases/, where every breaking change must be declared in schema/breaking-changes.json.
 * A declaration names the change (its inspector type and path) and why clients must live with it,
 * so a frontend in another repository reads in one file what a release will break.
 */

/** One declared breaking change. */
export interface Declaration {
  /** graphql-inspector's change type, e.g. `FIELD_TYPE_CHANGED`. */
  type: string;
  /** The schema coordinate the change is at, e.g. `Money.currency` or `Query.customers.last`. */
  path: string;
  /** Why clients must live with it (and what they do instead): read by whoever upgrades. */
  reason: string;
}

const DeclarationsFile = z.strictObject({
  /** The release these changes break: the newest file in schema/releases/. */
  since: z.string().regex(/^v\d+\.\d+\.\d+$/),
  changes: z.array(
    z.strictObject({
      type: z.string().min(1),
      path: z.string().min(1),
      reason: z
        .string()
        .trim()
        .min(10, 'say why, in a sentence a client developer understands')
        .refine((reason) => !reason.startsWith('TODO'), 'replace the TODO with the reason'),
    }),
  ),
});
export type Declarations = z.infer<typeof DeclarationsFile>;

export interface BreakingCheck {
  /** The release compared against, e.g. `v0.1.0`. */
  release: string;
  /** Breaking changes that no declaration covers: each fails the check. */
  undeclared: Change[];
  /** Declarations that match no breaking change (fixed since, or mistyped): each fails the check too. */
  unmatched: Declaration[];
  /** Changes the inspector calls dangerous (e.g. an enum value added): reported, never failing. */
  dangerous: Change[];
  /** A problem with the declarations file itself (wrong release, bad shape), or null. */
  fileProblem: string | null;
}

const SEMVER = /^v(\d+)\.(\d+)\.(\d+)\.graphql$/;

/** The newest `vX.Y.Z.graphql` in the releases folder, by version (not by name). */
export async function latestRelease(releasesDir: string): Promise<{ version: string; file: string }> {
  const versions = (await readdir(releasesDir))
    .map((file) => ({ file, parts: SEMVER.exec(file)?.slice(1).map(Number) }))
    .filter((r): r is { file: string; parts: number[] } => r.parts !== undefined)
    .sort((a, b) => {
      for (let i = 0; i < 3; i += 1) {
        const d = (a.parts[i] ?? 0) - (b.parts[i] ?? 0);
        if (d !== 0) return d;
      }
      return 0;
    });
  const last = versions.at(-1);
  if (!last) throw new Error(`no vX.Y.Z.graphql release in ${releasesDir}`);
  return { version: last.file.replace(/\.graphql$/, ''), file: join(releasesDir, last.file) };
}

/** The schema as the gateway builds it: every `*.graphql` file of the folder, in name order. */
export async function schemaFromDir(dir: string): Promise<GraphQLSchema> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.graphql')).sort();
  const sdl = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  return buildSchema(sdl.join('\n'));
}

const keyOf = (change: { type: string; path?: string | undefined }) => `${change.type} ${change.path ?? ''}`;

/** The declaration to paste for an undeclared change, the reason left for its author to write. */
export function declarationFor(change: Change): Declaration {
  return {
    type: change.type,
    path: change.path ?? '',
    reason: `TODO: why clients must accept "${change.message}", and what they do instead`,
  };
}

/** Compares the current schema with the release and the declarations. */
export async function checkBreakingChanges(options: {
  schemaDir: string;
  releasesDir: string;
  declarationsFile: string;
}): Promise<BreakingCheck> {
  const release = await latestRelease(options.releasesDir);
  const released = buildSchema(await readFile(release.file, 'utf8'));
  const changes = await diff(released, await schemaFromDir(options.schemaDir));

  let declared: Declaration[] = [];
  let fileProblem: string | null = null;
  const parsed = DeclarationsFile.safeParse(JSON.parse(await readFile(options.declarationsFile, 'utf8')));
  if (!parsed.success) {
    fileProblem = `${options.declarationsFile}: ${z.prettifyError(parsed.error)}`;
  } else if (parsed.data.since !== release.version) {
    // Declarations describe one release's breaks; after the next release they are history.
    fileProblem = `${options.declarationsFile} declares changes since ${parsed.data.since}, but the last release is ${release.version}: start it afresh as {"since": "${release.version}", "changes": []}`;
  } else {
    declared = parsed.data.changes;
  }

  const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
  const declaredKeys = new Set(declared.map(keyOf));
  const breakingKeys = new Set(breaking.map(keyOf));
  return {
    release: release.version,
    undeclared: breaking.filter((c) => !declaredKeys.has(keyOf(c))),
    unmatched: declared.filter((d) => !breakingKeys.has(keyOf(d))),
    dangerous: changes.filter((c) => c.criticality.level === CriticalityLevel.Dangerous),
    fileProblem,
  };
}

/** What a failing check prints: each problem, and the exact JSON to paste for undeclared changes. */
export function describeBreakingCheck(check: BreakingCheck, declarationsPath: string): string {
  const lines: string[] = [];
  if (check.fileProblem) lines.push(check.fileProblem);
  if (check.undeclared.length > 0) {
    lines.push(
      `${check.undeclared.length} breaking change(s) against ${check.release} are not declared:`,
      ...check.undeclared.map((c) => `  - ${c.type} at ${c.path ?? '(schema)'}: ${c.message}`),
      `If the break is intended, add these entries to "changes" in ${declarationsPath} and write each reason:`,
      JSON.stringify(check.undeclared.map(declarationFor), null, 2),
      'Otherwise keep the old shape (deprecate instead of removing, add instead of changing).',
    );
  }
  if (check.unmatched.length > 0) {
    lines.push(
      `${check.unmatched.length} declaration(s) in ${declarationsPath} match no breaking change against ${check.release}; remove them:`,
      ...check.unmatched.map((d) => `  - ${JSON.stringify({ type: d.type, path: d.path })}`),
    );
  }
  return lines.join('\n');
}
