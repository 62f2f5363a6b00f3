/**
 * `npm run build`'s second step: bundles GraphiQL once into dist/graphiql-assets/, so the
 * production image serves files and carries no bundler, React or GraphiQL sources.
 */
import { BUILT_ASSETS_DIR, buildGraphiQLBundle, writeBundle } from './bundle.js';

const bundle = await buildGraphiQLBundle();
await writeBundle(bundle);
const bytes = [...bundle.values()].reduce((sum, asset) => sum + asset.body.byteLength, 0);
console.log(`GraphiQL: ${bundle.size} files, ${(bytes / 1e6).toFixed(1)} MB in ${BUILT_ASSETS_DIR}`);
