import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A Redis server for tests: the configured one, or one started here on a free loopback port. */
export interface TestRedis {
  url: string;
  /** True when this harness started the server (so it may also kill and restart it). */
  owned: boolean;
  /** Kills the server abruptly (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'redis-server is needed for the cache tests: install it (apt-get install redis-server) or set REDIS_URL';

function onPath(binary: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** redis-server from REDIS_SERVER, else PATH, else apt-get when root; otherwise one clear line. */
export function findRedisServer(): string {
  const configured = process.env.REDIS_SERVER;
  if (configured) return configured;
  const found = onPath('redis-server');
  if (found) return found;
  if (process.getuid?.() === 0 && onPath('apt-get')) {
    process.stderr.write('test setup: redis-server not found; installing it with apt-get\n');
    execFileSync(
      'sh',
      ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server'],
      {
        stdio: 'inherit',
      },
    );
    const installed = onPath('redis-server');
    if (installed) return installed;
  }
  throw new Error(INSTALL_HINT);
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export async function waitUntilReady(child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!output().includes('Ready to accept connections')) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`redis-server did not start:\n${output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** REDIS_URL when set (not owned: never killed), else a private redis-server with no persistence. */
export async function startTestRedis(): Promise<TestRedis> {
  const configured = process.env.REDIS_URL;
  if (configured) {
    const noop = async () => {
      throw new Error('a configured REDIS_URL is not ours to kill or restart');
    };
    return { url: configured, owned: false, kill: noop, restart: noop, stop: async () => {} };
  }
  const binary = findRedisServer();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'concord-redis-'));
  let child: ChildProcess | null = null;
  const start = async () => {
    let output = '';
    child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    await waitUntilReady(child, () => output);
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    running.kill('SIGKILL');
    await once(running, 'exit');
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    owned: true,
    kill,
    restart: start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
