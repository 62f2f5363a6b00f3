import { randomBytes } from 'node:crypto';
import { sha256 } from '../../auth/api-keys.js';
import { ApiKeysSchema } from '../../auth/settings.js';
import { CommandError, EXIT, UsageError, type CliIo } from '../io.js';
import { strictArgs } from '../parse.js';

export const HASH_KEY_USAGE =
  'concord hash-key [--name NAME --scope S…] [--generate]\n' +
  '                                   hash an API key read from stdin (or a new one) for API_KEYS';

/**
 * The SHA-256 Concord compares API keys by (src/auth/api-keys.ts). The key comes on stdin, never as
 * an argument (shell history, `ps`); with --name and --scope the whole API_KEYS entry is printed,
 * checked by the same schema start-up uses.
 */
export async function hashKey(args: string[], io: CliIo): Promise<number> {
  const { values } = strictArgs(args, {
    name: { type: 'string' },
    scope: { type: 'string', multiple: true },
    generate: { type: 'boolean', default: false },
  });
  const scopes = (values.scope ?? []).flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);
  if ((values.name === undefined) !== (scopes.length === 0)) {
    throw new UsageError('--name and --scope go together (an API_KEYS entry needs both)');
  }
  let key: string;
  if (values.generate) {
    key = randomBytes(32).toString('base64url');
    io.err('new key (give it to the client; it is not stored anywhere):');
    io.out(key);
  } else {
    key = (await io.readStdin()).replace(/\r?\n$/, '');
    if (key === '')
      throw new UsageError(
        'no key on stdin: pipe it in (printf %s "$KEY" | concord hash-key), or use --generate',
      );
  }
  const hash = sha256(key).toString('hex');
  if (values.name === undefined) {
    io.out(hash);
    return EXIT.ok;
  }
  const entry = `${values.name}:${hash}:${scopes.join(' ')}`;
  const checked = ApiKeysSchema.safeParse(entry);
  if (!checked.success) throw new CommandError(checked.error.issues.map((i) => i.message).join('; '));
  io.out(entry);
  return EXIT.ok;
}
