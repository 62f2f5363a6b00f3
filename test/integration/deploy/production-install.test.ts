import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import { PACKAGE_ROOT } from '../../../src/runtime/package-root.js';
import { TEST_ANCHOR, TEST_SEED } from '../../support/stack.js';
import { signTestToken } from '../../support/tokens.js';
import { liveEnv, query, spawnReplica, terminate, type Replica } from './support.js';

/**
 * The Dockerfile's steps without Docker: the build stage (sources as in the build context, `npm run
 * build`), then the runtime stage (the same COPY --from=build list, `npm ci --omit=dev`), then
 * `node dist/src/main.js` in production mode. The one shortcut: the build stage links this checkout's
 * node_modules instead of a second full `npm ci` (same lockfile); the runtime install is real.
 */
const SETUP_TIMEOUT_MS = 240_000;
/** Development-only packages a production install must not contain (GraphiQL ships prebuilt). */
const TOOLCHAIN = [
  'typescript',
  'jest',
  'tsx',
  'node',
  'eslint',
  '@swc/core',
  '@graphql-codegen/cli',
  'esbuild',
  'graphiql',
  'react',
  'react-dom',
];

/**
 * Preloaded into the replica: reports every module it resolves from the simulators or their data
 * generator, which live mode must never load (they cost ~100 MB of RSS).
 */
const SANDBOX_WATCH = `import { registerHooks } from 'node:module';
process.stderr.write('module watch on\\n');
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    if (/\\/sandbox\\/|@faker-js/.test(resolved.url)) process.stderr.write('sandbox module loaded: ' + resolved.url + '\\n');
    return resolved;
  },
});
`;

const dockerfile = readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8');
/** `COPY --from=build /app/<src> ./<dest>` lines of the runtime stage: what the image ships. */
const shipped = [...dockerfile.matchAll(/^COPY --from=build \/app\/(\S+) \.\/(\S+)$/gm)].map(
  ([, from, to]) => ({
    from: from as string,
    to: to as string,
  }),
);
const omitDevInstall =
  /^RUN (?:--mount=\S+ )*(npm ci --omit=dev[^&\n]*)/m.exec(dockerfile)?.[1]?.trim().split(/\s+/) ?? [];

/** The build context: tracked and new unignored files, as `docker build .` would send them. */
function contextFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: PACKAGE_ROOT,
    encoding: 'utf8',
  });
  return listed.split('\0').filter((file) => file !== '' && existsSync(join(PACKAGE_ROOT, file)));
}

/** npm on PATH, run by this test's Node 24 rather than whatever `node` comes first. */
function runNpm(args: string[], cwd: string, nodeEnv = 'production'): void {
  execFileSync('npm', args, {
    cwd,
    stdio: 'pipe',
    env: {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      NODE_ENV: nodeEnv,
    },
  });
}

/** Bytes under `dir` as `du` counts them (what an image layer holds). */
function diskUsage(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}

describe('the production image steps, outside Docker', () => {
  let buildDir: string;
  let appDir: string;
  let sandbox: RunningSandbox;
  let replica: Replica;
  let installMs = 0;

  beforeAll(async () => {
    buildDir = mkdtempSync(join(tmpdir(), 'concord-build-'));
    appDir = mkdtempSync(join(tmpdir(), 'concord-app-'));
    for (const file of contextFiles()) {
      mkdirSync(dirname(join(buildDir, file)), { recursive: true });
      cpSync(join(PACKAGE_ROOT, file), join(buildDir, file));
    }
    symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(buildDir, 'node_modules'), 'dir');
    try {
      runNpm(['run', 'build'], buildDir, 'development');
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`npm run build failed:\n${String(stdout)}${String(stderr)}`, { cause: error });
    }

    for (const file of ['package.json', 'package-lock.json'])
      cpSync(join(buildDir, file), join(appDir, file));
    const started = Date.now();
    runNpm(omitDevInstall.slice(1), appDir);
    installMs = Date.now() - started;
    process.stderr.write(`deploy test: ${omitDevInstall.join(' ')} took ${installMs} ms\n`);
    for (const { from, to } of shipped) {
      mkdirSync(dirname(join(appDir, to)), { recursive: true });
      cpSync(join(buildDir, from), join(appDir, to), { recursive: true });
    }

    process.stderr.write(
      `deploy test: production node_modules ${(diskUsage(join(appDir, 'node_modules')) / 1e6).toFixed(0)} MB\n`,
    );
    writeFileSync(join(appDir, 'sandbox-watch.mjs'), SANDBOX_WATCH);

    sandbox = await startSandbox({ seed: TEST_SEED, anchor: Date.parse(TEST_ANCHOR) });
    replica = await spawnReplica(
      ['--import', './sandbox-watch.mjs', 'dist/src/main.js'],
      { ...liveEnv(sandbox), GRAPHIQL: 'true' },
      appDir,
    );
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    if (replica) await terminate(replica);
    await sandbox?.stop();
    for (const dir of [buildDir, appDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs no development tool', () => {
    expect(omitDevInstall.slice(0, 3)).toEqual(['npm', 'ci', '--omit=dev']);
    // Some dev dependencies (prettier) are also a production package's dependency; the toolchain is not.
    const installed = TOOLCHAIN.filter((name) => existsSync(join(appDir, 'node_modules', name)));
    expect(installed).toEqual([]);
    expect(existsSync(join(appDir, 'src', 'main.ts'))).toBe(false);
  });

  it('answers a signed query from live providers in production mode', async () => {
    expect(replica.output()).toContain('live mode');
    const token = await signTestToken({ sub: 'deploy-test' });
    const res = await query<{ companies: { edges: Array<{ node: { name: string } }> } }>(
      replica.origin,
      token,
      '{ companies(first: 5) { edges { node { name } } } }',
    );
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.companies.edges.map((e) => e.node.name)).toEqual(
      sandbox.dataset.companies.slice(0, 5).map((c) => c.name),
    );
    expect(sandbox.counters.snapshot().total.hubspot).toBeGreaterThan(0);
  });

  it("passes the image's HEALTHCHECK command and answers /readyz", async () => {
    const healthcheck = /HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    const [, ...args] = JSON.parse(healthcheck ?? '[]') as string[];
    const port = new URL(replica.origin).port;
    expect(() =>
      execFileSync(process.execPath, args, { env: { PORT: port }, stdio: 'pipe', timeout: 10_000 }),
    ).not.toThrow();
    const readyz = await fetch(`${replica.origin}/readyz`);
    expect(readyz.status).toBe(200);
  });

  it('loads no simulator code in live mode', () => {
    expect(replica.output()).toContain('module watch on');
    expect(replica.output()).not.toContain('sandbox module loaded');
  });

  it('serves the GraphiQL bundle that npm run build made, without a bundler installed', async () => {
    expect(existsSync(join(appDir, 'dist', 'graphiql-assets', 'graphiql.js'))).toBe(true);
    const res = await fetch(`${replica.origin}/graphiql/assets/graphiql.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect((await res.text()).length).toBeGreaterThan(100_000);
    const css = await fetch(`${replica.origin}/graphiql/assets/graphiql.css`);
    expect(css.status).toBe(200);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    expect(await terminate(replica)).toBe(0);
    expect(replica.output()).toContain('drained and closed');
  });
});
