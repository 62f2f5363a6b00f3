import { join } from 'node:path';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../runtime/package-root.js';

/** `allow-listed-only`: only documents from the manifest run (by hash); `off`: any document. */
export type TrustedDocumentsMode = 'off' | 'allow-listed-only';

/** Any document runs (with automatic persisted queries); production opts in to the allow-list. */
export const DEFAULT_TRUSTED_DOCUMENTS: TrustedDocumentsMode = 'off';
/** The manifest `npm run codegen` writes from client/operations/ (sha256 hash -> document). */
export const DEFAULT_TRUSTED_DOCUMENTS_MANIFEST = join(
  // From the package root, so the built dist/src/config.js finds it too.
  PACKAGE_ROOT,
  'client',
  'generated',
  'persisted-documents.json',
);
/**
 * How often a manifest named by TRUSTED_DOCUMENTS_MANIFEST is read again: a frontend's new query
 * runs within a minute of its manifest being published, without a Concord release. The built-in
 * manifest ships inside the image and never changes, so it is not re-read unless asked.
 */
export const DEFAULT_TRUSTED_DOCUMENTS_RELOAD_MS = 60_000;

/** Where the manifest comes from: a file (a mounted volume, a ConfigMap) or an http(s) URL. */
export type ManifestLocation = { kind: 'file'; path: string } | { kind: 'url'; url: URL };

export interface TrustedDocumentsSettings {
  mode: TrustedDocumentsMode;
  manifest: ManifestLocation;
  /** Re-read the manifest this often (ms); 0: only at start and on SIGHUP. */
  reloadMs: number;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

const ManifestSchema = z
  .string()
  .min(1)
  .transform((value, ctx): ManifestLocation => {
    if (!SCHEME.test(value)) return { kind: 'file', path: value };
    const url = URL.canParse(value) ? new URL(value) : null;
    if (url && (url.protocol === 'http:' || url.protocol === 'https:')) return { kind: 'url', url };
    ctx.addIssue({ code: 'custom', message: 'expected a file path or an http(s) URL' });
    return z.NEVER;
  });

const ReloadSchema = z
  .string()
  .regex(/^\d+$/, 'expected a whole number of milliseconds')
  .transform(Number)
  .pipe(
    z
      .number()
      .int()
      .max(86_400_000, 'at most 86400000 (a day)')
      .refine((ms) => ms === 0 || ms >= 1000, '0 (off) or at least 1000'),
  );

/** The variables this feature reads, for src/config.ts's one environment schema. */
export const TrustedDocumentsEnv = {
  TRUSTED_DOCUMENTS: z.enum(['off', 'allow-listed-only']).optional(),
  TRUSTED_DOCUMENTS_MANIFEST: ManifestSchema.optional(),
  TRUSTED_DOCUMENTS_RELOAD_MS: ReloadSchema.optional(),
};

interface TrustedDocumentsValues {
  TRUSTED_DOCUMENTS?: TrustedDocumentsMode | undefined;
  TRUSTED_DOCUMENTS_MANIFEST?: ManifestLocation | undefined;
  TRUSTED_DOCUMENTS_RELOAD_MS?: number | undefined;
}

export function buildTrustedDocumentsSettings(e: TrustedDocumentsValues): TrustedDocumentsSettings {
  const chosen = e.TRUSTED_DOCUMENTS_MANIFEST;
  return {
    mode: e.TRUSTED_DOCUMENTS ?? DEFAULT_TRUSTED_DOCUMENTS,
    manifest: chosen ?? { kind: 'file', path: DEFAULT_TRUSTED_DOCUMENTS_MANIFEST },
    reloadMs: e.TRUSTED_DOCUMENTS_RELOAD_MS ?? (chosen ? DEFAULT_TRUSTED_DOCUMENTS_RELOAD_MS : 0),
  };
}

/**
 * The location as logs and errors show it: a URL without its credentials, query or fragment
 * (a signed or tokened manifest URL must not leak into logs).
 */
export function describeManifest(location: ManifestLocation): string {
  if (location.kind === 'file') return location.path;
  const { protocol, host, pathname, search } = location.url;
  return `${protocol}//${host}${pathname}${search ? '?…' : ''}`;
}
