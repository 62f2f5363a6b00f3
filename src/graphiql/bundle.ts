import { join } from 'node:path';
import { build } from 'esbuild';
import { PACKAGE_ROOT } from '../package-root.js';

/**
 * The browser sources the bundle is built from (TypeScript + React, see browser/). From the package
 * root, because the build (dist/) does not compile them: a production install ships
 * src/graphiql/browser/ and tsconfig.json beside dist/ and bundles them at run time with esbuild.
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
    const extension = name.slice(name.lastIndexOf('.'));
    const contentType = CONTENT_TYPES[extension];
    if (contentType) assets.set(name, { contentType, body: file.contents });
  }
  return assets;
}

let cached: Promise<AssetBundle> | null = null;

/**
 * The bundle, built once per process on first use (a few seconds) and kept in memory. A failed
 * build is not cached, so the next request tries again.
 */
export function graphiqlBundle(): Promise<AssetBundle> {
  cached ??= buildGraphiQLBundle().catch((error: unknown) => {
    cached = null;
    throw error;
  });
  return cached;
}
