/**
 * The benchmark's child processes: the sandbox, Redis, Concord and the naive baseline, each its own
 * process on loopback, each stopped by its pid. Every spawn is recorded so that the runner can stop
 * them all, in reverse order, even when a step fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../sandbox/context.js';
import { PACKAGE_ROOT } from '../src/runtime/package-root.js';

/** How long a child may take to print its ready line (bench-size data takes a few seconds). */
export const DEFAULT_READY_TIMEOUT_MS = 120_000;

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

const running: Child[] = [];

/** Spawns `command` and waits until its output matches `ready`; returns the child and the match. */
export async function startChild(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: Child; match: RegExpExecArray }> {
  const proc = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  proc.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  if (proc.pid === undefined) throw new Error(`${name} did not start`);
  const child: Child = {
    name,
    process: proc,
    pid: proc.pid,
    output: () => text,
    stop: async () => {
      const i = running.indexOf(child);
      if (i >= 0) running.splice(i, 1);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.push(child);
  const deadline = Date.now() + DEFAULT_READY_TIMEOUT_MS;
  for (;;) {
    const match = ready.exec(text);
    if (match) return { child, match };
    if (proc.exitCode !== null || Date.now() > deadline) {
      await child.stop();
      throw new Error(`${name} did not become ready:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Stops every child still running, newest first (Concord before the sandbox it calls). */
export async function stopAll(): Promise<void> {
  for (const child of [...running].reverse()) await child.stop();
}

/** Stops every child still running but those named in `keep`, newest first. */
export async function stopAllBut(keep: readonly string[]): Promise<void> {
  for (const child of [...running].reverse()) if (!keep.includes(child.name)) await child.stop();
}

/** The most memory the process has held (VmHWM), in MiB, or null once it is gone. */
export function peakRssMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

/** RSS of a process sampled on an interval, for the peak through a run (not only at its end). */
export class RssSampler {
  peakMiB = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => {
      this.peakMiB = Math.max(this.peakMiB, RssSampler.currentMiB(this.pid) ?? 0);
    }, intervalMs);
    this.timer.unref();
  }

  /** The process's resident memory now (VmRSS), in MiB, or null once it is gone. */
  static currentMiB(pid: number): number | null {
    try {
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return kb ? Number(kb) / 1024 : null;
    } catch {
      return null;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** A port free on loopback right now (for Redis, which cannot pick its own and report it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** A Redis server of its own on a free loopback port, no persistence; returns its URL. */
export async function startRedis(): Promise<string> {
  const port = await freePort();
  await startChild(
    'redis',
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
    /Ready to accept connections/,
  );
  return `redis://127.0.0.1:${port}`;
}

/**
 * Concord's environment as the bench runs it: production, live mode against the twins at
 * `providerEnv`, JWT auth, the Redis cache, the admin listener on a free port (not production's
 * 9464), no per-client rate limit (the bench is one client sending thousands of requests: the limit
 * would measure itself) and no per-request upstream budget (the 90-day metrics walk at bench size
 * needs ~810 Stripe pages, over the default budget of 200).
 */
export function benchConcordEnv(
  providerEnv: Record<string, string>,
  redisUrl: string,
  jwtEnv: Record<string, string>,
): Record<string, string> {
  return {
    ...providerEnv,
    ...jwtEnv,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_PORT: '0',
    LOG_LEVEL: 'warn',
    CURSOR_SECRET: 'bench-cursor-secret-0123456789abcdef',
    REDIS_URL: redisUrl,
    CACHE: 'true',
    RATE_LIMIT: 'off',
    UPSTREAM_CALL_BUDGET: 'off',
    // The same walk takes ≥ 32 s at Stripe's documented 25/s test-mode limit: past the 10 s default deadline.
    REQUEST_DEADLINE_MS: '60000',
  };
}

/**
 * Concord as the production image starts it: the Dockerfile's last `CMD` (`node <V8 flags> <script>`),
 * so the bench measures memory under production's V8 settings and a change to them is made in one place.
 */
export function productionCommand(dockerfile = readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8')): {
  nodeFlags: string[];
  script: string;
} {
  // The runtime stage's CMD is the file's last line starting with it (HEALTHCHECK's CMD is indented).
  const line = dockerfile.split('\n').findLast((l) => l.startsWith('CMD '));
  const argv: unknown = line ? JSON.parse(line.slice('CMD '.length)) : null;
  if (
    !Array.isArray(argv) ||
    argv[0] !== 'node' ||
    argv.length < 2 ||
    !argv.every((a) => typeof a === 'string')
  )
    throw new Error('Dockerfile: no CMD ["node", …, script] to start Concord with');
  const args = argv.slice(1) as string[];
  return { nodeFlags: args.slice(0, -1), script: args.at(-1) ?? '' };
}

/** The provider variables that point Concord at the sandbox's twins, with their development credentials. */
export function twinEnv(urls: { hubspot: string; stripe: string; posthog: string }): Record<string, string> {
  const c = DEFAULT_SANDBOX_CREDENTIALS;
  return {
    HUBSPOT_BASE_URL: urls.hubspot,
    HUBSPOT_ACCESS_TOKEN: c.hubspotAccessToken,
    STRIPE_BASE_URL: urls.stripe,
    STRIPE_SECRET_KEY: c.stripeSecretKey,
    POSTHOG_HOST: urls.posthog,
    POSTHOG_API_KEY: c.posthogApiKey,
    POSTHOG_PROJECT_ID: String(c.posthogProjectId),
  };
}

/**
 * The sandbox as the warm-path tools run it (bench/cpu-warm.ts, bench/warm-wait.ts): `size` data,
 * seed 42, dates anchored at `anchor`, every twin on a free port; returns the three twins' URLs.
 */
export async function startTwins(
  size: string,
  anchor: number,
): Promise<{ hubspot: string; stripe: string; posthog: string }> {
  const twinUrls = /^\s+HubSpot\s+(\S+)[\s\S]*?^\s+Stripe\s+(\S+)[\s\S]*?^\s+PostHog\s+(\S+)\s/m;
  const { match } = await startChild(
    'sandbox',
    process.execPath,
    ['--import', 'tsx', 'sandbox/main.ts'],
    {
      SANDBOX_SIZE: size,
      SANDBOX_SEED: '42',
      SANDBOX_ANCHOR: new Date(anchor).toISOString(),
      SANDBOX_HUBSPOT_PORT: '0',
      SANDBOX_STRIPE_PORT: '0',
      SANDBOX_POSTHOG_PORT: '0',
      SANDBOX_SALESFORCE_PORT: '0',
    },
    twinUrls,
  );
  const [, hubspot = '', stripe = '', posthog = ''] = match;
  return { hubspot, stripe, posthog };
}

/** User + system CPU of a process so far, in ms (clock ticks are 1/100 s on Linux). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
