import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface SpawnedGateway {
  child: ChildProcess;
  url: string;
  /** The development token it printed (sandbox without JWT settings), for `Authorization: Bearer`. */
  token: string | undefined;
  /** When the process printed that it was ready (performance.now()). */
  readyAt: number;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Runs `npm start`'s entry (src/main.ts) as its own process, on a free port, and waits for "ready".
 * `preload`: modules loaded before it (`node --import`), e.g. test/support/reject-on-signal.ts.
 */
export async function spawnGateway(
  env: Record<string, string> = {},
  timeoutMs = 60_000,
  preload: readonly string[] = [],
): Promise<SpawnedGateway> {
  const imports = ['tsx', ...preload].flatMap((module) => ['--import', module]);
  const child = spawn(process.execPath, [...imports, 'src/main.ts'], {
    env: { ...process.env, PORT: '0', NODE_ENV: 'development', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url && Date.now() < deadline && child.exitCode === null) {
    url = /Concord ready at (http:\/\/\S+)/.exec(output)?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 20));
  }
  const readyAt = performance.now();
  if (!url) {
    // An exit can be seen before its last output is read: wait for the pipes to close so the error shows it.
    const closed = child.stdout?.closed === true && child.stderr?.closed === true;
    if (child.exitCode !== null && !closed) await once(child, 'close');
    child.kill('SIGKILL');
    throw new Error(`the gateway did not start:\n${output}`);
  }
  return {
    child,
    url,
    token: /DEV_TOKEN=(\S+)/.exec(output)?.[1],
    readyAt,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
