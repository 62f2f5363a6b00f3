/**
 * Builds and packs `@concord/client` (`npm run client:pack`): the client's TypeScript compiled to
 * JS + .d.ts, with the trusted-documents manifest and the printed schema beside it, so another
 * repository installs one tarball and gets the documents, their types, and the schema to run its
 * own codegen against. Packed into dist/ (never committed); prints the tarball's path.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const CLIENT_DIR = import.meta.dirname;
const REPO_ROOT = resolve(CLIENT_DIR, '..');

export interface PackedClient {
  /** Absolute path of the `.tgz`. */
  tarball: string;
  /** The package's name and version, as in client/package.json. */
  name: string;
  version: string;
}

/** Compiles, stages and packs the client into `outDir` (the repository's dist/ by default). */
export async function packClient({ outDir = join(REPO_ROOT, 'dist') } = {}): Promise<PackedClient> {
  await mkdir(outDir, { recursive: true });
  // Staged outside the repository: a second package.json named @concord/client under it would
  // collide in jest's module map.
  const staging = await mkdtemp(join(tmpdir(), 'concord-client-stage-'));
  try {
    return await stageAndPack(staging, outDir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function stageAndPack(staging: string, outDir: string): Promise<PackedClient> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await run(process.execPath, [
    tsc,
    '-p',
    join(CLIENT_DIR, 'tsconfig.pack.json'),
    '--outDir',
    join(staging, 'dist'),
  ]);
  await copyFile(join(CLIENT_DIR, 'package.json'), join(staging, 'package.json'));
  await copyFile(
    join(CLIENT_DIR, 'generated', 'persisted-documents.json'),
    join(staging, 'persisted-documents.json'),
  );
  await copyFile(join(REPO_ROOT, 'schema.graphql'), join(staging, 'schema.graphql'));

  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: staging });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; name: string; version: string }>;
  if (!packed) throw new Error(`npm pack printed no package: ${stdout}`);
  return { tarball: join(outDir, packed.filename), name: packed.name, version: packed.version };
}

if (import.meta.main) {
  const { tarball } = await packClient();
  console.log(tarball);
}
