import { ConfigError, readConfig } from '../../config.js';
import { EXIT, type CliIo } from '../io.js';
import { strictArgs } from '../parse.js';

export const CHECK_CONFIG_USAGE =
  'concord check-config            validate the environment as start-up would, without starting';

/** The environment as Concord and (in sandbox mode) its sandbox read it; the same one-line errors. */
export async function checkConfig(args: string[], io: CliIo): Promise<number> {
  strictArgs(args, {});
  try {
    const config = readConfig(io.env);
    if (config.mode === 'sandbox') {
      const { readSandboxConfig } = await import('../../../sandbox/config.js');
      readSandboxConfig(io.env, 0);
    }
    const admin =
      config.observability.adminPort === null
        ? 'on the public port'
        : `port ${config.observability.adminPort}`;
    io.out(
      `config ok: ${config.mode} mode, ${config.env} environment, port ${config.port}, admin ${admin}, ` +
        `cache ${config.cache.enabled ? (config.cache.redisUrl ? 'Redis' : 'in memory') : 'off'}`,
    );
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) io.err(problem);
      return EXIT.failed;
    }
    if (error instanceof Error && (error as { code?: unknown }).code === 'BAD_CONFIG') {
      io.err(error.message);
      return EXIT.failed;
    }
    throw error;
  }
}
