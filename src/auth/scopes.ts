/** What a client may read and write; a token or API key carries some of these. */
export const SCOPES = [
  'crm:read',
  'crm:write',
  'payments:read',
  'payments:write',
  'analytics:read',
  'analytics:write',
  'pii:read',
] as const;
export type Scope = (typeof SCOPES)[number];

const KNOWN: ReadonlySet<string> = new Set(SCOPES);

export function isScope(value: string): value is Scope {
  return KNOWN.has(value);
}

/** Scopes from a space-separated claim; unknown words are dropped, never widened into something known. */
export function parseScopes(claim: unknown): Set<Scope> {
  const words = typeof claim === 'string' ? claim.split(/\s+/) : Array.isArray(claim) ? claim : [];
  return new Set(words.filter((w): w is Scope => typeof w === 'string' && isScope(w)));
}

/** Who is asking: a JWT subject or a named API key, with the scopes it was granted. */
export interface Viewer {
  /** `jwt:<sub>` or `api-key:<name>`; also the rate-limit key. */
  id: string;
  kind: 'jwt' | 'api-key';
  scopes: ReadonlySet<Scope>;
  /** When the credential stops being valid (epoch ms); long-lived connections end then. */
  expiresAt?: number;
}
