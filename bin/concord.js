#!/usr/bin/env node
// `npx concord …`: the operator's CLI (src/cli/). From a checkout (`npm ci`) it runs the TypeScript
// source through tsx; in an image built with `npm ci --omit=dev` (no tsx) it runs the built dist/.
/* global URL, console, process */
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/src/cli/main.js', import.meta.url);

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return null;
  }
}

const tsx = existsSync(source) ? await loadTsx() : null;
if (tsx) {
  tsx.register();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  console.error(
    'concord: no CLI to run here: install the dependencies (npm ci) or build (npm run build) first',
  );
  process.exit(1);
}
