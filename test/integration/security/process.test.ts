import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../../support/codegen-check.js';
import { spawnGateway, type SpawnedGateway } from '../../support/spawn-gateway.js';

/** Runs `entry` (src/main.ts or sandbox/main.ts) to its exit; the code and everything it printed. */
async function runToExit(
  entry: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

describe('the process: ports and shutdown', () => {
  let busy: Server;
  let busyPort: number;

  beforeAll(async () => {
    busy = createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => {
    busy.close();
  });

  it('names PORT in one line and exits 1 when the port is taken', async () => {
    const { code, output } = await runToExit('src/main.ts', { PORT: String(busyPort) });
    expect(code).toBe(1);
    expect(output.trim()).toBe(
      `PORT=${busyPort}: 127.0.0.1:${busyPort} is already in use; stop what holds it or choose another port`,
    );
  }, 60_000);

  it('names SANDBOX_STRIPE_PORT in one line and exits 1 when a sandbox port is taken', async () => {
    const { code, output } = await runToExit('sandbox/main.ts', {
      SANDBOX_HUBSPOT_PORT: '0',
      SANDBOX_STRIPE_PORT: String(busyPort),
      SANDBOX_POSTHOG_PORT: '0',
      SANDBOX_SALESFORCE_PORT: '0',
    });
    expect(code).toBe(1);
    expect(output.trim()).toBe(
      `SANDBOX_STRIPE_PORT=${busyPort}: 127.0.0.1:${busyPort} is already in use; stop what holds it or choose another port`,
    );
  }, 60_000);

  describe('with stdout closed by its reader (`| head -1`)', () => {
    let gateway: SpawnedGateway;

    afterAll(() => {
      if (gateway?.child.exitCode === null) gateway.child.kill('SIGKILL');
    });

    it('still ends on SIGTERM, with exit code 0', async () => {
      gateway = await spawnGateway({ LOG_LEVEL: 'info' }, 60_000);
      // Our end of its stdout goes away, as `head -1` does after the first line: writes now fail with EPIPE.
      gateway.child.stdout?.destroy();
      // A request logs a line or two into the broken pipe first.
      expect((await fetch(new URL('/healthz', gateway.url))).status).toBe(200);
      const exited = once(gateway.child, 'exit');
      gateway.child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    }, 60_000);
  });

  it('publishes the compose service on loopback only', () => {
    const compose = readFileSync(join(REPO_ROOT, 'deploy', 'docker-compose.yml'), 'utf8');
    const published = [...compose.matchAll(/^\s+- '([^']*:?\d+)'$/gm)].map((m) => m[1] as string);
    expect(published.length).toBeGreaterThan(0);
    for (const port of published) expect(port).toMatch(/^127\.0\.0\.1:/);
  });
});
