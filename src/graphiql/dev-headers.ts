import { signDevToken } from '../auth/dev-token.js';
import { SCOPES, isScope } from '../auth/scopes.js';
import type { Services } from '../graphql/context.js';

/** `?scopes=` named a scope Concord does not know: the page says which, and which exist. */
export class UnknownScopeError extends Error {
  constructor(readonly unknown: readonly string[]) {
    super(`unknown scope ${unknown.join(', ')}; the scopes are: ${SCOPES.join(' ')}`);
    this.name = 'UnknownScopeError';
  }
}

/**
 * Headers GraphiQL's header editor starts with: the sandbox's development token (made by
 * src/auth/dev-token.ts), so a developer can run queries at once. Only in sandbox mode, never a
 * credential for live providers; none when there is no development token. With `scopes` (the page's
 * `?scopes=crm:read,payments:read`; empty for none) the token holds only those, so a developer sees
 * the FORBIDDEN answers a client with fewer scopes will get.
 */
export async function devHeaders(
  services: Pick<Services, 'mode' | 'devToken' | 'config'>,
  scopes?: string,
): Promise<Record<string, string>> {
  if (services.mode !== 'sandbox' || !services.devToken) return {};
  if (scopes === undefined) return { Authorization: `Bearer ${services.devToken}` };
  const words = scopes.split(/[\s,]+/).filter(Boolean);
  const unknown = words.filter((word) => !isScope(word));
  if (unknown.length > 0) throw new UnknownScopeError(unknown);
  const { jwt } = services.config.auth;
  const token = jwt ? await signDevToken(jwt, new Date(), words.filter(isScope)) : undefined;
  return token ? { Authorization: `Bearer ${token}` } : {};
}
