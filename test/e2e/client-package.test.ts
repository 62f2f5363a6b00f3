import { execFile } from 'node:child_process';
import { access, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { packClient } from '../../client/pack.js';
import type { Concord } from '../../src/app.js';
import { REPO_ROOT } from '../support/codegen-check.js';
import { queryHeaders, startTestConcord } from '../support/stack.js';

const run = promisify(execFile);
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Runs a command; resolves with its exit code and output instead of throwing on a non-zero exit. */
async function attempt(file: string, args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await run(file, args, { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * The consumer's package.json and lockfile. Its registry dependencies are pinned to our lockfile's
 * versions and integrity, so `npm install --offline` takes them from the npm cache (no registry is
 * reachable here); the client itself comes from the tarball.
 */
async function consumerProject(tarball: string) {
  const ours = JSON.parse(await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, Record<string, unknown>>;
  };
  const dependencies: Record<string, string> = { '@concord/client': `file:${tarball}` };
  const packages: Record<string, unknown> = {};
  for (const name of ['graphql', 'graphql-request', '@graphql-typed-document-node/core']) {
    const { dev: _dev, ...entry } = ours.packages[`node_modules/${name}`] ?? {};
    if (typeof entry.version !== 'string') throw new Error(`${name} is not in package-lock.json`);
    const resolved = `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    packages[`node_modules/${name}`] = { ...entry, resolved };
    // What the app itself depends on; the typed-document-node types come with the client.
    if (name !== '@graphql-typed-document-node/core') dependencies[name] = entry.version;
  }
  return {
    manifest: { name: 'consumer', private: true, type: 'module', dependencies },
    lock: {
      name: 'consumer',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { dependencies }, ...packages },
    },
  };
}

/** Another repository's code: typed documents and the graphql-request setup from the package only. */
const CONSUMER = `
import target from './target.json' with { type: 'json' };
import { fieldErrors, type DashboardQuery, type PaymentStatus } from '@concord/client';
import { createConcordClient, DOCUMENT_IDS } from '@concord/client/graphql-request';

// The gateway runs trusted documents only, so every operation goes by its manifest id.
const client = createConcordClient(target.url, { headers: target.headers, persisted: true });
const dashboard: DashboardQuery = await client.dashboard({ first: 3, paymentsPerCustomer: 2 });
const emails: Array<string | null> = (dashboard.customers?.edges ?? []).map(({ node }) => node.email);
const statuses: PaymentStatus[] = (dashboard.customers?.edges ?? []).flatMap(({ node }) =>
  (node.payments?.edges ?? []).map((edge) => edge.node.status),
);
const found = await client.customerByEmail(emails[0] ?? '');
console.log(
  JSON.stringify({
    emails,
    statuses,
    found: found.customer?.email ?? null,
    operations: [...DOCUMENT_IDS.keys()].sort(),
    noErrors: fieldErrors([]),
  }),
);
`;

/** The same code with a type mistake: the package's types must refuse it. */
const MISTAKE = `
import type { DashboardQuery } from '@concord/client';
declare const dashboard: DashboardQuery;
export const more: string = dashboard.customers?.pageInfo.hasNextPage ?? false;
`;

const tsconfig = (file: string) =>
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2024', 'DOM'],
      types: [],
      strict: true,
      resolveJsonModule: true,
      outDir: 'out',
    },
    files: [file],
  });

describe('@concord/client as another repository installs it (npm run client:pack)', () => {
  let work: string;
  let project: string;
  let concord: Concord | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'concord-client-pack-'));
    const { tarball, name, version } = await packClient({ outDir: work });
    expect([name, version]).toEqual(['@concord/client', '0.1.0']);

    project = await mkdtemp(join(tmpdir(), 'concord-consumer-'));
    await copyFile(tarball, join(project, basename(tarball)));
    const { manifest, lock } = await consumerProject(basename(tarball));
    await writeFile(join(project, 'package.json'), JSON.stringify(manifest));
    await writeFile(join(project, 'package-lock.json'), JSON.stringify(lock));
    // --prefer-offline, not --offline: the package's peers (graphql, @apollo/client, @urql/core) make npm
    // read their registry documents, which a fresh machine's cache (filled by npm ci) does not hold.
    const install = await attempt('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], project);
    expect(install.stderr + install.stdout).toContain('added 4 packages');
    expect(install.code).toBe(0);

    // The gateway runs the manifest the package ships: what the frontend sends is what it accepts.
    concord = await startTestConcord({
      TRUSTED_DOCUMENTS: 'allow-listed-only',
      TRUSTED_DOCUMENTS_MANIFEST: join(project, 'node_modules/@concord/client/persisted-documents.json'),
    });
    const headers = queryHeaders(concord.gateway);
    await writeFile(join(project, 'target.json'), JSON.stringify({ url: concord.gateway.url, headers }));
  }, 180_000);

  afterAll(async () => {
    await concord?.stop();
    const dirs = [work, project].filter((dir): dir is string => dir !== undefined);
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('compiles a typed query against the installed package and runs it against a sandbox gateway', async () => {
    await writeFile(join(project, 'consumer.ts'), CONSUMER);
    await writeFile(join(project, 'tsconfig.json'), tsconfig('consumer.ts'));
    const compiled = await attempt(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
    expect(compiled.stdout).toBe('');
    expect(compiled.code).toBe(0);

    const ran = await attempt(process.execPath, ['out/consumer.js'], project);
    expect(ran.stderr).toBe('');
    const answer = JSON.parse(ran.stdout) as {
      emails: string[];
      statuses: string[];
      found: string | null;
      operations: string[];
      noErrors: unknown[];
    };
    const { dataset } = concord?.connected.sandbox ?? { dataset: null };
    expect(answer.emails).toEqual(dataset?.contacts.slice(0, 3).map((c) => c.email));
    expect(answer.statuses.length).toBeGreaterThan(0);
    expect(answer.found).toBe(answer.emails[0]);
    expect(answer.operations).toEqual(['CustomerByEmail', 'Dashboard', 'Metrics', 'PaymentsPage']);
    expect(answer.noErrors).toEqual([]);
  }, 120_000);

  it('refuses a type mistake at compile time (the .d.ts files are real types)', async () => {
    await writeFile(join(project, 'mistake.ts'), MISTAKE);
    await writeFile(join(project, 'tsconfig.mistake.json'), tsconfig('mistake.ts'));
    const compiled = await attempt(process.execPath, [TSC, '-p', 'tsconfig.mistake.json'], project);
    expect(compiled.code).not.toBe(0);
    expect(compiled.stdout).toMatch(
      /mistake\.ts\(4,14\): error TS2322: Type 'boolean' is not assignable to type 'string'/,
    );
  }, 120_000);

  it('points every export at a file the package holds (the urql and Apollo set-ups too)', async () => {
    const root = join(project, 'node_modules/@concord/client');
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>;
    };
    const targets = Object.values(manifest.exports).flatMap((t) =>
      typeof t === 'string' ? [t] : Object.values(t),
    );
    expect(targets).toContain('./dist/apollo-client.d.ts');
    const missing: string[] = [];
    for (const target of targets) {
      await access(join(root, target)).catch(() => missing.push(target));
    }
    expect(missing).toEqual([]);
  });

  it('ships the printed schema for codegen in the other repository', async () => {
    const shipped = await readFile(join(project, 'node_modules/@concord/client/schema.graphql'), 'utf8');
    expect(shipped).toBe(await readFile(join(REPO_ROOT, 'schema.graphql'), 'utf8'));
  });
});
