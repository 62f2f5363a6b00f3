import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';

const eslint = new ESLint();

/** The `no-restricted-imports` messages lint gives `code` as if it were the file at `filePath`. */
async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('module boundaries (eslint no-restricted-imports)', () => {
  it('keeps src/ out of datasources/', async () => {
    expect(await restricted('datasources/model-extra.ts', "import '../src/config.js';\n")).toHaveLength(1);
    expect(
      await restricted('datasources/transport/x.ts', "import { readConfig } from '../../src/config.js';\n"),
    ).toHaveLength(1);
  });

  it('keeps a provider folder from importing another provider', async () => {
    const [message] = await restricted(
      'datasources/hubspot/x.ts',
      "import { stripe } from '../stripe/index.js';\n",
    );
    expect(message).toMatch(/may not import another provider/);
    expect(await restricted('datasources/stripe/x.ts', "import '../hubspot/wire.js';\n")).toHaveLength(1);
    // Its own files and the shared transport are fine.
    expect(
      await restricted(
        'datasources/hubspot/x.ts',
        "import './wire.js';\nimport '../transport/errors.js';\nimport '../provider-descriptor.js';\n",
      ),
    ).toEqual([]);
  });

  it('lets only the registry in src/providers/ import provider folders', async () => {
    const code = "import { hubspot } from '../../datasources/hubspot/index.js';\nexport { hubspot };\n";
    expect(await restricted('src/resolvers/x.ts', code)).toHaveLength(1);
    expect(await restricted('src/providers/x.ts', code)).toEqual([]);
  });
});
