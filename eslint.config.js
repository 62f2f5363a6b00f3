import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Provider folders: every folder of datasources/ with a face (index.ts), but the shared transport and cache. */
const SHARED_DATASOURCES = new Set(['transport', 'cache', '__tests__']);
const PROVIDERS = readdirSync(join(import.meta.dirname, 'datasources'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && !SHARED_DATASOURCES.has(d.name))
  .filter((d) => existsSync(join(import.meta.dirname, 'datasources', d.name, 'index.ts')))
  .map((d) => d.name);

const NO_GRAPHQL = {
  group: ['graphql', 'graphql/*', '@apollo/*'],
  message: 'Nothing under datasources/ or sandbox/ knows GraphQL (DESIGN.md: one direction).',
};
const NO_SRC = {
  regex: '^(\\.\\./)+src/',
  message: 'datasources/ never imports src/: declare a port here and inject the src/ implementation.',
};
const providerFolders = (names) => `(^|\\.\\./)(${names.join('|')})/`;

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'coverage/',
      'test-artifacts/',
      'src/generated/',
      'client/generated/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  {
    // Nothing under datasources/ or sandbox/ may know about GraphQL (DESIGN.md: one direction).
    files: ['sandbox/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_GRAPHQL] }] },
  },
  {
    // datasources/ never imports src/ (ports live here, Redis-backed implementations are injected).
    files: ['datasources/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_GRAPHQL, NO_SRC] }] },
  },
  // A provider never imports another provider: each is a module that only its descriptor exposes.
  ...PROVIDERS.map((provider) => ({
    files: [`datasources/${provider}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            NO_GRAPHQL,
            NO_SRC,
            ...(PROVIDERS.length > 1
              ? [
                  {
                    regex: providerFolders(PROVIDERS.filter((p) => p !== provider)),
                    message: `datasources/${provider}/ may not import another provider's folder.`,
                  },
                ]
              : []),
          ],
        },
      ],
    },
  })),
  {
    // Only the registry (src/providers/) names a provider; the rest of src/ reads descriptors from it.
    files: ['src/**/*.ts'],
    ignores: ['src/providers/**', '**/__tests__/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `datasources/(${PROVIDERS.join('|')})/`,
              message: 'Only src/providers/ imports provider folders; use the registry and descriptors.',
            },
          ],
        },
      ],
    },
  },
);
