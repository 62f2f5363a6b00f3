import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { generate, type CodegenConfig } from '@graphql-codegen/cli';
import projectConfig from '../../codegen.js';

/** The repository root: codegen.ts's paths are relative to it. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export interface CodegenCheckOptions {
  /** Where the committed generated files live (the repository root by default). */
  root?: string;
  /** A schema directory to generate from instead of `<root>/schema` (a changed copy, in tests). */
  schemaDir?: string;
}

export interface CodegenCheckResult {
  /** Committed files (relative to root) whose content differs from a fresh run, or that a fresh run no longer makes or newly makes. */
  stale: string[];
  /** Where the fresh output was written, to diff against. */
  freshDir: string;
}

const asList = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).filter((v) => typeof v === 'string');

/** codegen.ts with every input made absolute and every output moved under `outDir`. */
function retarget(config: CodegenConfig, root: string, schemaDir: string | undefined, outDir: string) {
  const schema = asList(config.schema).map((pattern) =>
    schemaDir && pattern.startsWith('schema/')
      ? join(schemaDir, pattern.slice('schema/'.length))
      : join(root, pattern),
  );
  const generates: CodegenConfig['generates'] = {};
  for (const [target, output] of Object.entries(config.generates)) {
    const moved = join(outDir, target) + (target.endsWith('/') ? '/' : '');
    const documents = !Array.isArray(output) && typeof output === 'object' ? output.documents : undefined;
    generates[moved] =
      documents === undefined
        ? output
        : { ...(output as object), documents: asList(documents).map((d) => join(root, d)) };
  }
  const documents = asList(config.documents).map((d) => join(root, d));
  return { ...config, schema, ...(documents.length > 0 ? { documents } : {}), generates, silent: true };
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Runs codegen.ts into a temporary folder and compares the result with the committed files, so a
 * schema or operation change without `npm run codegen` is caught, naming each stale file.
 */
export async function checkCodegen({
  root = REPO_ROOT,
  schemaDir,
}: CodegenCheckOptions = {}): Promise<CodegenCheckResult> {
  const freshDir = await mkdtemp(join(tmpdir(), 'concord-codegen-'));
  const outputs = (await generate(retarget(projectConfig, root, schemaDir, freshDir), false)) as Array<{
    filename: string;
    content: string;
  }>;
  const stale = new Set<string>();
  const made = new Set<string>();
  for (const { filename, content } of outputs) {
    const path = relative(freshDir, resolve(filename));
    made.add(path);
    await mkdir(dirname(join(freshDir, path)), { recursive: true });
    await writeFile(join(freshDir, path), content);
    if ((await readOrNull(join(root, path))) !== content) stale.add(path);
  }
  // A folder output (the client preset) must not keep files a fresh run no longer makes.
  for (const target of Object.keys(projectConfig.generates).filter((t) => t.endsWith('/'))) {
    for (const file of await listFiles(join(root, target))) {
      const path = relative(root, file);
      if (!made.has(path)) stale.add(path);
    }
  }
  return { stale: [...stale].sort().map((p) => p.split(sep).join('/')), freshDir };
}

/** One line per stale file, for a failing check. */
export function describeStale({ stale, freshDir }: CodegenCheckResult): string {
  return stale
    .map((file) => `stale generated file: ${file} (run \`npm run codegen\`; fresh output in ${freshDir})`)
    .join('\n');
}
