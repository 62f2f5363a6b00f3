import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startConcord, type Concord } from '../../../src/app.js';
import { readConfig } from '../../../src/config.js';
import { TEST_ANCHOR, TEST_SEED } from '../../support/stack.js';
import { TEST_JWT } from '../../support/tokens.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** pino's level number for error. */
export const ERROR_LEVEL = 50;

/**
 * A sandbox-mode gateway (TEST_JWT auth, the test seed) whose log lines are kept, to show what a
 * refusal logs as well as what it answers.
 */
export async function startLoggedConcord(
  env: Record<string, string> = {},
): Promise<{ concord: Concord; logs: LogLine[] }> {
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const full = {
    NODE_ENV: 'test',
    CURSOR_SECRET: 'test-cursor-secret-0123456789',
    HOST: '127.0.0.1',
    PORT: '0',
    SANDBOX_SEED: String(TEST_SEED),
    SANDBOX_ANCHOR: TEST_ANCHOR,
    ...TEST_JWT,
    ...env,
  };
  const concord = await startConcord(readConfig(full), { logger: pino({ level: 'debug' }, sink), env: full });
  return { concord, logs };
}
