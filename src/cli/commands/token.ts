import { SignJWT } from 'jose';
import { readConfig } from '../../config.js';
import { SCOPES, isScope, type Scope } from '../../auth/scopes.js';
import { CommandError, EXIT, UsageError, type CliIo } from '../io.js';
import { strictArgs } from '../parse.js';

export const TOKEN_USAGE =
  'concord token [--scope S]… [--subject NAME] [--ttl SECONDS]\n' +
  '                                   a development token signed with JWT_SECRET (every scope unless --scope); refused in production';

/** An hour: long enough for a debugging session, short enough that a pasted token soon dies. */
export const DEFAULT_CLI_TOKEN_TTL_S = 3600;

/** `--scope a --scope "b c"` or `--scope a,b`: every word must be a scope Concord knows. */
function scopesOf(values: readonly string[] | undefined): Scope[] {
  if (!values || values.length === 0) return [...SCOPES];
  const words = values.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
  const unknown = words.filter((w) => !isScope(w));
  if (unknown.length > 0)
    throw new UsageError(`unknown scope ${unknown.join(', ')} (known: ${SCOPES.join(' ')})`);
  return [...new Set(words as Scope[])];
}

/**
 * A token as Concord's configured issuer would sign it, for trying fewer scopes than the development
 * token's (a FORBIDDEN seen before production sees it). Only with a shared secret, never in production.
 */
export async function token(args: string[], io: CliIo): Promise<number> {
  const { values } = strictArgs(args, {
    scope: { type: 'string', multiple: true },
    subject: { type: 'string', default: 'cli-developer' },
    ttl: { type: 'string' },
  });
  if (io.env.NODE_ENV === 'production') {
    throw new CommandError(
      'refused: NODE_ENV=production; production tokens come from your identity provider',
    );
  }
  const scopes = scopesOf(values.scope);
  const ttlS = values.ttl === undefined ? DEFAULT_CLI_TOKEN_TTL_S : Number(values.ttl);
  if (!Number.isInteger(ttlS) || ttlS < 1)
    throw new UsageError(`--ttl ${values.ttl}: expected whole seconds above 0`);

  const jwt = readConfig(io.env).auth.jwt;
  if (!jwt || jwt.key.kind !== 'secret' || jwt.key.ephemeral) {
    throw new CommandError(
      jwt?.key.kind === 'jwks'
        ? 'JWT_JWKS_URL is set: tokens come from the issuer that holds those keys'
        : 'JWT_SECRET is not set: set it (and JWT_ISSUER, JWT_AUDIENCE) as the gateway has it; ' +
            'a sandbox without it signs with a secret of its own, so use the DEV_TOKEN npm start prints',
    );
  }
  if (ttlS > jwt.maxLifetimeS) {
    throw new UsageError(
      `--ttl ${ttlS}: the gateway accepts tokens living at most ${jwt.maxLifetimeS} s (JWT_MAX_LIFETIME_S)`,
    );
  }
  const iat = Math.floor(Date.now() / 1000);
  const signer = new SignJWT({ scope: scopes.join(' ') })
    .setProtectedHeader({ alg: jwt.algorithm, typ: 'JWT' })
    .setSubject(values.subject)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlS);
  if (jwt.issuer) signer.setIssuer(jwt.issuer);
  if (jwt.audience) signer.setAudience(jwt.audience);
  io.out(await signer.sign(new TextEncoder().encode(jwt.key.secret)));
  io.err(`token for ${values.subject}: ${scopes.join(' ') || '(no scopes)'}; expires in ${ttlS} s`);
  return EXIT.ok;
}
