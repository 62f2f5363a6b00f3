import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT, checkCodegen, describeStale } from '../support/codegen-check.js';

describe('generated code is up to date (codegen.ts run into a temporary folder, compared)', () => {
  it('matches schema/ and client/operations/ as committed (schema.graphql included)', async () => {
    const result = await checkCodegen();
    expect(describeStale(result)).toBe('');
  });

  it('names the stale files when the schema changed without `npm run codegen`', async () => {
    // A changed copy, never the real schema: a new payment status reaches both the resolver types
    // and the client's types (its operations select PaymentStatus).
    const schemaDir = await mkdtemp(join(tmpdir(), 'concord-schema-'));
    await cp(join(REPO_ROOT, 'schema'), schemaDir, { recursive: true });
    const payments = join(schemaDir, 'payments.graphql');
    const sdl = await readFile(payments, 'utf8');
    await writeFile(payments, sdl.replace('enum PaymentStatus {', 'enum PaymentStatus {\n  DISPUTED'));

    const result = await checkCodegen({ schemaDir });
    expect(result.stale).toEqual([
      'client/generated/enums.ts',
      'client/generated/graphql.ts',
      'schema.graphql',
      'src/generated/resolvers-types.ts',
    ]);
    expect(describeStale(result)).toContain(
      'stale generated file: src/generated/resolvers-types.ts (run `npm run codegen`',
    );
    const fresh = await readFile(join(result.freshDir, 'client/generated/graphql.ts'), 'utf8');
    expect(fresh).toContain("'DISPUTED'");
    // The printed contract other repositories generate from carries the change too.
    const printed = await readFile(join(result.freshDir, 'schema.graphql'), 'utf8');
    expect(printed).toMatch(/enum PaymentStatus \{\n(?:.*\n)*? {2}DISPUTED\n/);
  });
});
