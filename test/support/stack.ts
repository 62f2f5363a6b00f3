import { pino } from 'pino';
import type { RunningSandbox } from '../../sandbox/index.js';
import { startConcord, type Concord } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import type { Gateway } from '../../src/server.js';

/** The data every gateway test reads: a fixed seed and anchor, so expectations never depend on the day. */
export const TEST_SEED = 7;
export const TEST_ANCHOR = '2026-11-24';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

/** A gateway on a free loopback port; `env` is the environment Concord reads its config from. */
export async function startTestConcord(env: Record<string, string> = {}): Promise<Concord> {
  const full = {
    NODE_ENV: 'test',
    CURSOR_SECRET: 'test-cursor-secret-0123456789',
    HOST: '127.0.0.1',
    PORT: '0',
    SANDBOX_SEED: String(TEST_SEED),
    SANDBOX_ANCHOR: TEST_ANCHOR,
    ...env,
  };
  return startConcord(readConfig(full), { logger: pino({ level: 'silent' }), env: full });
}

export async function postQuery<T>(
  gateway: Gateway,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

/** A gateway and its in-process sandbox, over real HTTP on loopback. */
export interface TestStack {
  gateway: Gateway;
  sandbox: RunningSandbox;
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  const concord = await startTestConcord(env);
  const sandbox = concord.connected.sandbox;
  if (!sandbox) throw new Error('test stacks run against the sandbox');
  return {
    gateway: concord.gateway,
    sandbox,
    query: (query, variables) => postQuery(concord.gateway, query, variables),
    stop: () => concord.stop(),
  };
}
