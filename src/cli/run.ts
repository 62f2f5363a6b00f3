import { checkConfig, CHECK_CONFIG_USAGE } from './commands/check-config.js';
import { hashKey, HASH_KEY_USAGE } from './commands/hash-key.js';
import { purge, PURGE_USAGE } from './commands/purge.js';
import { status, STATUS_USAGE } from './commands/status.js';
import { token, TOKEN_USAGE } from './commands/token.js';
import { EXIT, type CliIo, type Command } from './io.js';

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  token: { run: token, usage: TOKEN_USAGE },
  'hash-key': { run: hashKey, usage: HASH_KEY_USAGE },
  status: { run: status, usage: STATUS_USAGE },
  purge: { run: purge, usage: PURGE_USAGE },
  'check-config': { run: checkConfig, usage: CHECK_CONFIG_USAGE },
};

export const USAGE = [
  'usage: npx concord <command> [options]',
  '',
  ...Object.values(COMMANDS).map((c) => `  ${c.usage}`),
].join('\n');

/** Runs one command; every failure is one line on stderr and an exit code, never a stack trace. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`concord: unknown command ${name}\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
    if (code === 'CLI_USAGE') {
      io.err(`concord ${name}: ${(error as Error).message}\nusage: ${command.usage}`);
      return EXIT.usage;
    }
    if (code === 'CLI_FAILED' || code === 'BAD_CONFIG') {
      io.err(`concord ${name}: ${(error as Error).message}`);
      return EXIT.failed;
    }
    throw error;
  }
}
