import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../../../src/runtime/package-root.js';

/**
 * Node's own bundled undici costs ~10 MiB RSS once loaded and Concord never uses it (issue 15). It
 * comes in through undici's package index (its cookies module reads globalThis.Headers) and through
 * `import … from 'node:http'`; a fresh process importing the HTTP client and the server module must
 * not load it (Jest's own process may have, hence the child).
 */
describe('start-up modules', () => {
  it("the HTTP client and the server load without Node's bundled undici", () => {
    const modules = ['datasources/transport/http-client.ts', 'src/server.ts'].map(
      (m) => pathToFileURL(join(PACKAGE_ROOT, m)).href,
    );
    const script = `${modules.map((m) => `await import(${JSON.stringify(m)});`).join('')}
      console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.includes('undici'))));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
    });
    expect(JSON.parse(out.trim().split('\n').at(-1) ?? 'null')).toEqual([]);
  });
});
