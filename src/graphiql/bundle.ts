import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { PACKAGE_ROOT } from '../runtime/package-root.js';

/**
 * The browser sources the bundle is built from (TypeScript + React, see browser/). `npm run build`
 * bundles them once into dist/graphiql-assets/ (build-assets.ts); only a run from source bundles
 * them in memory, so a production install needs neither esbuild nor React.
 */
export const DEFAULT_BROWSER_DIR = join(PACKAGE_ROOT, 'src', 'graphiql', 'browser');

export interface Asset {
  contentType: string;
  body: Uint8Array;
}

/** Served file name -> content: graphiql.js, graphiql.css and Monaco's three worker scripts. */
export type AssetBundle = ReadonlyMap<string, Asset>;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Builds GraphiQL (the `graphiql` package, React, Monaco) into memory with esbuild: one page
 * script, one stylesheet with fonts inlined, and classic-worker scripts for Monaco. Nothing is
 * fetched from anywhere at run time; the page loads only these files from Concord.
 */
export async function buildGraphiQLBundle(browserDir = DEFAULT_BROWSER_DIR): Promise<AssetBundle> {
  // A development dependency: imported only when a build is actually made.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: {
      graphiql: join(browserDir, 'main.tsx'),
      'editor.worker': join(browserDir, 'workers', 'editor.worker.ts'),
      'json.worker': join(browserDir, 'workers', 'json.worker.ts'),
      'graphql.worker': join(browserDir, 'workers', 'graphql.worker.ts'),
    },
    tsconfig: join(browserDir, 'tsconfig.json'),
    bundle: true,
    write: false,
    outdir: '/assets',
    // Classic scripts: Monaco starts its workers with `new Worker(url)`, without `type: module`.
    format: 'iife',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    // Fonts and icons go inside the stylesheet, so the page needs no other origin and no other file.
    loader: {
      '.ttf': 'dataurl',
      '.woff': 'dataurl',
      '.woff2': 'dataurl',
      '.svg': 'dataurl',
      '.png': 'dataurl',
    },
    logLevel: 'silent',
  });
  const assets = new Map<string, Asset>();
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType) assets.set(name, { contentType, body: file.contents });
  }
  return assets;
}

/** Where `npm run build` writes the bundle, beside the compiled code. */
export const BUILT_ASSETS_DIR = join(PACKAGE_ROOT, 'dist', 'graphiql-assets');

/** Compiled (dist/…/*.js) rather than run from source by tsx. */
const RUNNING_FROM_BUILD = !import.meta.filename.endsWith('.ts');

/** The files `npm run build` wrote; a missing folder is a broken build, said plainly. */
export async function readBuiltBundle(dir = BUILT_ASSETS_DIR): Promise<AssetBundle> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new Error(`the GraphiQL bundle is missing from ${dir}: run npm run build`, { cause: error });
  }
  const assets = new Map<string, Asset>();
  for (const name of names) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType) assets.set(name, { contentType, body: await readFile(join(dir, name)) });
  }
  return assets;
}

/** Writes a bundle as files (what `npm run build` ships). */
export async function writeBundle(bundle: AssetBundle, dir = BUILT_ASSETS_DIR): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [name, asset] of bundle) await writeFile(join(dir, name), asset.body);
}

let cached: Promise<AssetBundle> | null = null;

/**
 * The bundle, loaded once per process on first use and kept in memory: read from the build's files,
 * or (from source) built with esbuild in a few seconds. A failure is not cached, so the next
 * request tries again.
 */
export function graphiqlBundle(): Promise<AssetBundle> {
  cached ??= (RUNNING_FROM_BUILD ? readBuiltBundle() : buildGraphiQLBundle()).catch((error: unknown) => {
    cached = null;
    throw error;
  });
  return cached;
}
