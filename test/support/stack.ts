import { pino } from 'pino';
import type { RunningSandbox } from '../../sandbox/index.js';
import { readConfig } from '../../src/config.js';
import { ProviderStats } from '../../src/observability/provider-stats.js';
import { CursorCodec } from '../../src/pagination/cursor.js';
import { connectProviders } from '../../src/providers.js';
import { startGateway, type Gateway } from '../../src/server.js';

/** The data every gateway test reads: a fixed seed and anchor, so expectations never depend on the day. */
export const TEST_SEED = 7;
export const TEST_ANCHOR = '2026-11-24';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
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
  const config = readConfig({ NODE_ENV: 'test', CURSOR_SECRET: 'test-cursor-secret-0123456789', ...env });
  const stats = new ProviderStats();
  const connected = await connectProviders(config, stats.record, {
    SANDBOX_SEED: String(TEST_SEED),
    SANDBOX_ANCHOR: TEST_ANCHOR,
    ...env,
  });
  const gateway = await startGateway({
    services: {
      providers: connected.providers,
      mode: connected.mode,
      stats,
      cursors: new CursorCodec(config.cursorSecret),
      pageSize: config.pageSize,
      config,
    },
    logger: pino({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
  });
  const sandbox = connected.sandbox;
  if (!sandbox) throw new Error('test stacks run against the sandbox');
  return {
    gateway,
    sandbox,
    query: async (query, variables) => {
      const res = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLResponse<never>;
    },
    stop: async () => {
      await gateway.stop();
      await connected.close();
    },
  };
}
