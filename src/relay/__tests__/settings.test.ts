import { describe, expect, it } from '@jest/globals';
import { readConfig } from '../../config.js';
import { configProblems } from '../../../test/support/config.js';

describe('CURSOR_SECRET', () => {
  it('takes one secret, or several separated by commas (the first encrypts)', () => {
    expect(readConfig({ CURSOR_SECRET: 'c'.repeat(16) }).cursorSecrets).toEqual(['c'.repeat(16)]);
    expect(readConfig({ CURSOR_SECRET: `${'n'.repeat(16)}, ${'o'.repeat(20)}` }).cursorSecrets).toEqual([
      'n'.repeat(16),
      'o'.repeat(20),
    ]);
  });

  it('refuses a short secret in the list with one line that does not echo it', () => {
    expect(configProblems({ CURSOR_SECRET: `${'n'.repeat(16)},short` })).toEqual([
      'CURSOR_SECRET=(hidden): each secret must be at least 16 characters',
    ]);
    expect(configProblems({ CURSOR_SECRET: ' , ' })).toEqual([
      'CURSOR_SECRET=(hidden): expected a secret, or several separated by commas',
    ]);
  });
});
