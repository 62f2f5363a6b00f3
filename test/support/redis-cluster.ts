import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { findRedisServer, freePort, waitUntilReady } from './redis.js';

const run = promisify(execFile);

/** A local Redis Cluster of three masters (no replicas) for tests, named the way REDIS_URL names one. */
export interface TestRedisCluster {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3` */
  url: string;
  ports: number[];
  /** Kills master `index` abruptly (SIGKILL), as a crash would: its slots are gone until it is back. */
  kill(index: number): Promise<void>;
  /** Starts master `index` again on its port (it rejoins from its nodes file), once the cluster is ok. */
  restart(index: number): Promise<void>;
  stop(): Promise<void>;
}

/** redis-cli beside redis-server (Debian's redis-server depends on redis-tools, which ships it), else PATH. */
function redisCli(server: string): string {
  return server.includes('/') ? join(dirname(server), 'redis-cli') : 'redis-cli';
}

async function cli(binary: string, args: string[]): Promise<string> {
  const { stdout } = await run(binary, args, { encoding: 'utf8', timeout: 30_000 });
  return stdout;
}

async function isFree(port: number): Promise<boolean> {
  const probe = createServer();
  try {
    probe.listen(port, '127.0.0.1');
    await once(probe, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    if (probe.listening) {
      probe.close();
      await once(probe, 'close');
    }
  }
}

/** Every master answers cluster_state:ok and knows all three (gossip has settled). */
async function waitForClusterOk(binary: string, ports: number[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const states = await Promise.all(
      ports.map((port) =>
        cli(binary, ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info']).catch(() => ''),
      ),
    );
    if (
      states.every((s) => s.includes('cluster_state:ok') && s.includes(`cluster_known_nodes:${ports.length}`))
    )
      return;
    if (Date.now() > deadline)
      throw new Error(`redis cluster did not reach cluster_state:ok:\n${states.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Three redis-server processes with `--cluster-enabled yes` on free loopback ports, joined by
 * `redis-cli --cluster create … --cluster-replicas 0`, once every node says `cluster_state:ok`.
 * Stopped by their pids.
 */
export async function startTestRedisCluster(masters = 3): Promise<TestRedisCluster> {
  const server = findRedisServer();
  const cliBinary = redisCli(server);
  const dir = mkdtempSync(join(tmpdir(), 'concord-redis-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const startNode = async (index: number, port: number) => {
    let output = '';
    const child = spawn(
      server,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '5000',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children[index] = child;
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    await waitUntilReady(child, () => output);
  };
  const kill = async (index: number) => {
    const child = children[index];
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  };
  const stop = async () => {
    await Promise.all(children.map((_, index) => kill(index)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      // The cluster bus listens on port + 10000: both must be free.
      let port = await freePort();
      while (port + 10_000 > 65_535 || !(await isFree(port + 10_000))) port = await freePort();
      ports.push(port);
      await startNode(i, port);
    }
    await cli(cliBinary, [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitForClusterOk(cliBinary, ports);
  } catch (error) {
    await stop();
    throw error;
  }
  const restart = async (index: number) => {
    const port = ports[index];
    if (port === undefined) throw new Error(`no master ${index}`);
    await startNode(index, port);
    await waitForClusterOk(cliBinary, ports);
  };
  return {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    ports,
    kill,
    restart,
    stop,
  };
}
