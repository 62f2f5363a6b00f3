import { describe, expect, it } from '@jest/globals';
import { readConfig } from '../../config.js';
import { configProblems } from '../../../test/support/config.js';
import {
  DEFAULT_TRUSTED_DOCUMENTS_MANIFEST,
  DEFAULT_TRUSTED_DOCUMENTS_RELOAD_MS,
  describeManifest,
} from '../trusted-documents-settings.js';

describe('trusted-documents settings', () => {
  it('runs the built-in manifest without reloading it (it ships inside the image)', () => {
    expect(readConfig({}).trustedDocuments).toEqual({
      mode: 'off',
      manifest: { kind: 'file', path: DEFAULT_TRUSTED_DOCUMENTS_MANIFEST },
      reloadMs: 0,
    });
  });

  it('reloads a manifest from outside the image every minute unless told otherwise', () => {
    const file = readConfig({ TRUSTED_DOCUMENTS_MANIFEST: '/config/persisted-documents.json' });
    expect(file.trustedDocuments.manifest).toEqual({
      kind: 'file',
      path: '/config/persisted-documents.json',
    });
    expect(file.trustedDocuments.reloadMs).toBe(DEFAULT_TRUSTED_DOCUMENTS_RELOAD_MS);

    const url = readConfig({
      TRUSTED_DOCUMENTS: 'allow-listed-only',
      TRUSTED_DOCUMENTS_MANIFEST: 'https://cdn.example.com/concord/persisted-documents.json',
      TRUSTED_DOCUMENTS_RELOAD_MS: '0',
    }).trustedDocuments;
    expect(url.mode).toBe('allow-listed-only');
    expect(url.manifest.kind).toBe('url');
    expect(url.manifest.kind === 'url' && url.manifest.url.href).toBe(
      'https://cdn.example.com/concord/persisted-documents.json',
    );
    expect(url.reloadMs).toBe(0);
  });

  it('refuses other URL schemes and intervals that would hammer the source, one line each', () => {
    expect(
      configProblems({
        TRUSTED_DOCUMENTS_MANIFEST: 'ftp://example.com/manifest.json',
        TRUSTED_DOCUMENTS_RELOAD_MS: '500',
      }),
    ).toEqual([
      'TRUSTED_DOCUMENTS_MANIFEST="ftp://example.com/manifest.json": expected a file path or an http(s) URL',
      'TRUSTED_DOCUMENTS_RELOAD_MS="500": 0 (off) or at least 1000',
    ]);
    expect(configProblems({ TRUSTED_DOCUMENTS_RELOAD_MS: '1m' })).toEqual([
      'TRUSTED_DOCUMENTS_RELOAD_MS="1m": expected a whole number of milliseconds',
    ]);
    expect(configProblems({ TRUSTED_DOCUMENTS_MANIFEST: 'https://' })).toEqual([
      'TRUSTED_DOCUMENTS_MANIFEST="https://": expected a file path or an http(s) URL',
    ]);
  });

  it('shows a manifest URL without its credentials or query', () => {
    const url = new URL('https://deploy:s3cret@cdn.example.com/m.json?token=abc');
    expect(describeManifest({ kind: 'url', url })).toBe('https://cdn.example.com/m.json?…');
    expect(describeManifest({ kind: 'file', path: '/config/m.json' })).toBe('/config/m.json');
  });
});
