import { readFile } from 'node:fs/promises';
import { describeManifest, type ManifestLocation } from './trusted-documents-settings.js';

/** A manifest past this is refused: a few thousand operations fit many times over. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
/** A manifest server slower than this fails the reload (the last good manifest keeps running). */
export const MANIFEST_FETCH_TIMEOUT_MS = 10_000;

/** Why the manifest could not be read; `reason` is short (`ENOENT`, `HTTP 404`, `timeout`). */
export class ManifestUnreadable extends Error {
  constructor(
    readonly location: ManifestLocation,
    readonly reason: string,
  ) {
    super(`cannot read ${describeManifest(location)} (${reason})`);
    this.name = 'ManifestUnreadable';
  }
}

export interface ManifestText {
  text: string;
  /** The server's ETag, sent back as If-None-Match on the next read (URLs only). */
  etag: string | null;
}

/**
 * Reads the manifest's text from its file or URL. `etag`: the previous read's; a URL that answers
 * 304 to it resolves `'unchanged'` without a body.
 */
export async function readManifest(
  location: ManifestLocation,
  etag: string | null = null,
): Promise<ManifestText | 'unchanged'> {
  return location.kind === 'file' ? readManifestFile(location) : fetchManifest(location, etag);
}

async function readManifestFile(location: ManifestLocation & { kind: 'file' }): Promise<ManifestText> {
  try {
    const text = await readFile(location.path, 'utf8');
    if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) throw new ManifestUnreadable(location, 'too large');
    return { text, etag: null };
  } catch (error) {
    if (error instanceof ManifestUnreadable) throw error;
    // Duck-typed: fs errors may come from another realm (e.g. under jest), where instanceof fails.
    const code: unknown =
      typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : null;
    throw new ManifestUnreadable(location, typeof code === 'string' ? code : 'unreadable');
  }
}

async function fetchManifest(
  location: ManifestLocation & { kind: 'url' },
  etag: string | null,
): Promise<ManifestText | 'unchanged'> {
  let response: Response;
  try {
    response = await fetch(location.url, {
      headers: { accept: 'application/json', ...(etag ? { 'if-none-match': etag } : {}) },
      signal: AbortSignal.timeout(MANIFEST_FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    throw new ManifestUnreadable(location, timedOut ? 'timeout' : networkReason(error));
  }
  if (response.status === 304 && etag) {
    await response.body?.cancel();
    return 'unchanged';
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new ManifestUnreadable(location, `HTTP ${response.status}`);
  }
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_MANIFEST_BYTES) {
    await response.body?.cancel();
    throw new ManifestUnreadable(location, 'too large');
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new ManifestUnreadable(location, networkReason(error));
  }
  if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) throw new ManifestUnreadable(location, 'too large');
  return { text, etag: response.headers.get('etag') };
}

/** undici's `fetch failed` hides the reason (ECONNREFUSED, ENOTFOUND) in `cause`. */
function networkReason(error: unknown): string {
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  const code: unknown =
    typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : null;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : 'network error';
}
