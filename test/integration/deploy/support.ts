import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { RunningSandbox } from '../../../sandbox/index.js';
import { TEST_JWT } from '../../support/tokens.js';

/** How long a spawned Concord may take to print that it is ready. */
export const DEFAULT_READY_TIMEOUT_MS = 60_000;

export interface Replica {
  child: ChildProcess;
  /** http://host:port, without /graphql. */
  origin: string;
  /** Where /metrics and /status answer: the admin listener in production (ADMIN_PORT), else `origin`. */
  adminOrigin: string;
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** The environment of a production replica in live mode against `sandbox`, as a deployment sets it. */
export function liveEnv(sandbox: RunningSandbox): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    // Production's admin listener (metrics, status) on a free port: replicas share this machine.
    ADMIN_PORT: '0',
    LOG_LEVEL: 'info',
    CURSOR_SECRET: 'deploy-test-cursor-secret-0123456789',
    ...TEST_JWT,
    HUBSPOT_ACCESS_TOKEN: sandbox.credentials.hubspotAccessToken,
    HUBSPOT_BASE_URL: sandbox.urls.hubspot,
    STRIPE_SECRET_KEY: sandbox.credentials.stripeSecretKey,
    STRIPE_BASE_URL: sandbox.urls.stripe,
    POSTHOG_API_KEY: sandbox.credentials.posthogApiKey,
    POSTHOG_PROJECT_ID: String(sandbox.credentials.posthogProjectId),
    POSTHOG_HOST: sandbox.urls.posthog,
  };
}

/** Spawns `node <args>` in `cwd` with exactly `env` (plus PATH) and waits for "Concord ready at". */
export async function spawnReplica(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs = DEFAULT_READY_TIMEOUT_MS,
): Promise<Replica> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url && Date.now() < deadline && child.exitCode === null) {
    url = /Concord ready at (http:\/\/\S+)\/graphql/.exec(output)?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 20));
  }
  if (!url) {
    child.kill('SIGKILL');
    throw new Error(`Concord did not start:\n${output}`);
  }
  const adminOrigin = /metrics, status and probes at (http:\/\/\S+)/.exec(output)?.[1] ?? url;
  return { child, origin: url, adminOrigin, output: () => output, exited };
}

/** SIGTERM, then the exit code (SIGKILL after `timeoutMs`, so a hung test still ends). */
export async function terminate(replica: Replica, timeoutMs = 20_000): Promise<number | null> {
  if (replica.child.exitCode !== null) return replica.child.exitCode;
  replica.child.kill('SIGTERM');
  const timer = setTimeout(() => replica.child.kill('SIGKILL'), timeoutMs);
  try {
    return await replica.exited;
  } finally {
    clearTimeout(timer);
  }
}

export interface Answer<T> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

/** One POST /graphql with a bearer token. */
export async function query<T>(
  origin: string,
  token: string,
  document: string,
  variables?: Record<string, unknown>,
): Promise<Answer<T>> {
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: document, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer<T>['body'] };
}
