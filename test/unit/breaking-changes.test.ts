import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  checkBreakingChanges,
  describeBreakingCheck,
  latestRelease,
  type Declarations,
} from '../support/breaking-changes.js';
import { REPO_ROOT } from '../support/codegen-check.js';

const SCHEMA_DIR = join(REPO_ROOT, 'schema');
const RELEASES_DIR = join(SCHEMA_DIR, 'releases');
const DECLARATIONS = join(SCHEMA_DIR, 'breaking-changes.json');

describe('schema/*.graphql against the last release (schema/releases/)', () => {
  it('breaks nothing that schema/breaking-changes.json does not declare', async () => {
    const check = await checkBreakingChanges({
      schemaDir: SCHEMA_DIR,
      releasesDir: RELEASES_DIR,
      declarationsFile: DECLARATIONS,
    });
    expect(describeBreakingCheck(check, 'schema/breaking-changes.json')).toBe('');
  });
});

/**
 * The check itself, on a copy: a release printed from today's schema and a changed schema beside
 * it, so these cases hold whatever the real schema becomes.
 */
describe('the breaking-change check', () => {
  const made: string[] = [];
  afterAll(async () => {
    await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function fixture(declarations: Declarations = { since: 'v1.2.0', changes: [] }) {
    const dir = await mkdtemp(join(tmpdir(), 'concord-breaking-'));
    made.push(dir);
    const schemaDir = join(dir, 'schema');
    const releasesDir = join(dir, 'releases');
    const declarationsFile = join(dir, 'breaking-changes.json');
    await cp(SCHEMA_DIR, schemaDir, { recursive: true });
    await mkdir(releasesDir);
    // Today's SDL as the gateway reads it (printSchema would drop the applied @cacheControl).
    const files = (await readdir(SCHEMA_DIR)).filter((f) => f.endsWith('.graphql')).sort();
    const released = (await Promise.all(files.map((f) => readFile(join(SCHEMA_DIR, f), 'utf8')))).join('\n');
    // An older release beside it, which sorts after v1.10.0 by name: the check must compare versions.
    await writeFile(join(releasesDir, 'v1.10.0.graphql'), released);
    await writeFile(join(releasesDir, 'v1.2.0.graphql'), 'type Query { gone: Int }');
    await writeFile(declarationsFile, JSON.stringify(declarations));
    const edit = async (file: string, from: string | RegExp, to: string) => {
      const path = join(schemaDir, file);
      const sdl = await readFile(path, 'utf8');
      const changed = sdl.replace(from, to);
      if (changed === sdl) throw new Error(`fixture: ${String(from)} not found in ${file}`);
      await writeFile(path, changed);
    };
    const setDeclarations = (d: Declarations) => writeFile(declarationsFile, JSON.stringify(d));
    const check = () => checkBreakingChanges({ schemaDir, releasesDir, declarationsFile });
    return { edit, setDeclarations, check };
  }

  it('picks the newest release by version, not by name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'concord-releases-'));
    made.push(dir);
    for (const name of ['v0.9.3.graphql', 'v0.10.0.graphql', 'v0.2.11.graphql', 'notes.md']) {
      await writeFile(join(dir, name), '');
    }
    expect((await latestRelease(dir)).version).toBe('v0.10.0');
  });

  it('fails on an undeclared removal and prints the entry to paste; passes once it is declared', async () => {
    const f = await fixture({ since: 'v1.10.0', changes: [] });
    // A field clients select today disappears (renamed, so its description stays attached to a field).
    await f.edit('common.graphql', /\bformatted: String!/, 'formattedText: String!');

    const failing = await f.check();
    expect(failing.undeclared.map((c) => [c.type, c.path])).toEqual([['FIELD_REMOVED', 'Money.formatted']]);
    const message = describeBreakingCheck(failing, 'schema/breaking-changes.json');
    expect(message).toContain('1 breaking change(s) against v1.10.0 are not declared');
    expect(message).toContain('add these entries to "changes" in schema/breaking-changes.json');
    // The printed JSON is exactly an array of declarations for the file.
    const pasted: unknown = JSON.parse(message.slice(message.indexOf('['), message.lastIndexOf(']') + 1));
    expect(pasted).toEqual([
      {
        type: 'FIELD_REMOVED',
        path: 'Money.formatted',
        reason: expect.stringMatching(/^TODO: why clients must accept "Field 'formatted'.*was removed/),
      },
    ]);

    // Pasted as printed, the TODO reason is still refused: somebody has to say why.
    await f.setDeclarations({ since: 'v1.10.0', changes: pasted as Declarations['changes'] });
    expect((await f.check()).fileProblem).toContain('replace the TODO with the reason');

    await f.setDeclarations({
      since: 'v1.10.0',
      changes: [
        {
          type: 'FIELD_REMOVED',
          path: 'Money.formatted',
          reason: 'Clients format amounts with Intl.NumberFormat from amount and currency.',
        },
      ],
    });
    const declared = await f.check();
    expect(describeBreakingCheck(declared, 'x.json')).toBe('');
  });

  it('tells a type change from a removal at the same path', async () => {
    const f = await fixture({
      since: 'v1.10.0',
      changes: [{ type: 'FIELD_REMOVED', path: 'Money.amount', reason: 'Declared for the wrong change.' }],
    });
    await f.edit('common.graphql', /(type Money[^{]*\{[\s\S]*?\n\s+)amount: String!/, '$1amount: Float');
    const check = await f.check();
    expect(check.undeclared.map((c) => [c.type, c.path])).toEqual([['FIELD_TYPE_CHANGED', 'Money.amount']]);
    expect(check.unmatched).toEqual([
      { type: 'FIELD_REMOVED', path: 'Money.amount', reason: 'Declared for the wrong change.' },
    ]);
    expect(describeBreakingCheck(check, 'b.json')).toContain(
      '1 declaration(s) in b.json match no breaking change against v1.10.0; remove them:',
    );
  });

  it('lets additions and dangerous changes through, and reports the dangerous ones', async () => {
    const f = await fixture({ since: 'v1.10.0', changes: [] });
    await f.edit('payments.graphql', 'enum PaymentStatus {', 'enum PaymentStatus {\n  DISPUTED');
    await f.edit('common.graphql', /\n(\s+)formatted: String!/, '\n$1formatted: String!\n$1minorUnits: Int');
    const check = await f.check();
    expect(describeBreakingCheck(check, 'b.json')).toBe('');
    expect(check.dangerous.map((c) => [c.type, c.path])).toEqual([
      ['ENUM_VALUE_ADDED', 'PaymentStatus.DISPUTED'],
    ]);
  });

  it('refuses declarations written against an older release', async () => {
    const f = await fixture({ since: 'v1.2.0', changes: [] });
    const check = await f.check();
    expect(check.fileProblem).toContain(
      'declares changes since v1.2.0, but the last release is v1.10.0: start it afresh as {"since": "v1.10.0", "changes": []}',
    );
    expect(describeBreakingCheck(check, 'b.json')).not.toBe('');
  });
});
