import { createHash, timingSafeEqual } from 'node:crypto';
import type { Viewer } from './scopes.js';
import type { ApiKeyEntry } from './settings.js';

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Looks a raw API key up among configured SHA-256 hashes. Every entry is compared, each in
 * constant time, so neither the answer's timing nor its position tells which key came close.
 */
export function createApiKeyVerifier(entries: ApiKeyEntry[]): (rawKey: string) => Viewer | null {
  const known = entries.map((e) => ({ ...e, digest: Buffer.from(e.sha256, 'hex') }));
  return (rawKey) => {
    const digest = sha256(rawKey);
    let match: (typeof known)[number] | null = null;
    for (const entry of known) {
      if (timingSafeEqual(digest, entry.digest) && !match) match = entry;
    }
    return match ? { id: `api-key:${match.name}`, kind: 'api-key', scopes: new Set(match.scopes) } : null;
  };
}
