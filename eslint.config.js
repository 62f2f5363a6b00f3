import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
    files: ['datasources/**/*.ts', 'sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['graphql', 'graphql/*', '@apollo/*'] }],
    },
  },
);
