import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { productionCommand } from '../../../bench/processes.js';
import { PACKAGE_ROOT } from '../../../src/runtime/package-root.js';

/**
 * No Docker engine or maintained Dockerfile linter runs here (dockerfilelint refuses HEALTHCHECK
 * --start-period, which Docker has had since 17.05), so the deployment points are checked in the file.
 */
const dockerfile = readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8');
/** Instructions with continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
/** A RUN line without its `--mount=…` options: build-time mounts, not part of what runs. */
const withoutMounts = (line: string): string => line.replace(/^RUN (--mount=\S+ )+/, 'RUN ');
const stages = instructions.filter((line) => /^FROM /i.test(line));
const runtime = instructions.slice(instructions.lastIndexOf(stages.at(-1) ?? ''));

describe('Dockerfile', () => {
  it('builds in one stage and runs from a second, both on a pinned Node 24 slim image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const from of stages) expect(from).toMatch(/^FROM node:24\.\d+\.\d+-\w+-slim( AS \w+)?$/i);
    const build = instructions.slice(0, instructions.indexOf(stages[1] ?? ''));
    expect(build.map(withoutMounts)).toContain('RUN npm ci --no-audit --no-fund');
    expect(build).toContain('RUN npm run build');
  });

  it('installs production dependencies only in the runtime stage and copies dist/ from the build', () => {
    expect(runtime.some((line) => /^RUN npm ci --omit=dev\b/.test(withoutMounts(line)))).toBe(true);
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime.some((line) => /^COPY --from=build \/app\/schema /.test(line))).toBe(true);
  });

  it("keeps npm's download cache out of every layer (a cache mount in each install)", () => {
    const installs = instructions.filter((line) => /^RUN npm ci\b/.test(withoutMounts(line)));
    expect(installs).toHaveLength(2);
    for (const line of installs) expect(line).toMatch(/^RUN --mount=type=cache,target=\/root\/\.npm npm ci /);
  });

  it('runs as a non-root user in production mode, on 0.0.0.0:4000, with a /healthz check', () => {
    const env = runtime.filter((line) => line.startsWith('ENV ')).join(' ');
    expect(env).toMatch(/NODE_ENV=production/);
    expect(env).toMatch(/HOST=0\.0\.0\.0/);
    const user = runtime.find((line) => line.startsWith('USER '));
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
    expect(runtime.indexOf(user ?? '')).toBeLessThan(runtime.findIndex((line) => line.startsWith('CMD ')));
    expect(runtime).toContain('EXPOSE 4000 9464');
    const healthcheck = runtime.find((line) => line.startsWith('HEALTHCHECK '));
    expect(healthcheck).toMatch(/CMD \["node", "-e", .*\/healthz/);
    expect(healthcheck).not.toMatch(/curl|wget/);
    // V8's heap flags between node and the script, nothing else.
    expect(runtime.at(-1)).toMatch(/^CMD \["node", ("--[a-z-]+(=\d+)?", )*"dist\/src\/main\.js"\]$/);
  });

  it("bounds V8's heap growth, and the bench starts Concord with the same command", () => {
    const { nodeFlags, script } = productionCommand(dockerfile);
    // --expose-gc: src/runtime/settle-memory.ts's one collection after start.
    expect(nodeFlags).toEqual(['--max-semi-space-size=8', '--heap-growing-percent=30', '--expose-gc']);
    expect(script).toBe('dist/src/main.js');
    expect(() => productionCommand('FROM node:24.21.0-bookworm-slim\n')).toThrow(/no CMD/);
  });

  it('.dockerignore keeps dependencies, build output, git and secrets out of the context', () => {
    const ignored = readFileSync(join(PACKAGE_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    for (const entry of ['node_modules', 'dist', '.git', 'test-artifacts', 'coverage', '.env']) {
      expect(ignored).toContain(entry);
    }
  });
});
