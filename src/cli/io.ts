/** What a command reads and writes, so tests and the real process give it the same things. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  err(line: string): void;
  /** Everything on standard input (for secrets that should not sit in shell history). */
  readStdin(): Promise<string>;
}

/** Exit codes: 0 done, 1 failed (the line says why), 2 used wrongly (the usage says how). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A usage mistake, answered with exit code 2. */
export class UsageError extends Error {
  readonly code = 'CLI_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command that could not do its job, answered with exit code 1 and this one line. */
export class CommandError extends Error {
  readonly code = 'CLI_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

export type Command = (args: string[], io: CliIo) => Promise<number>;
