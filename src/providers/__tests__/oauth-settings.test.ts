import { describe, expect, it } from '@jest/globals';
import { ConfigError, readConfig } from '../../config.js';

describe('OAUTH_TOKEN_KEYS', () => {
  it('takes 32-byte keys as hex or base64, comma-separated (the first seals)', () => {
    const config = readConfig({
      OAUTH_TOKEN_KEYS: `${'ab'.repeat(32)},${Buffer.alloc(32, 1).toString('base64')}`,
    });
    expect(config.oauth.keys).toEqual([Buffer.alloc(32, 0xab), Buffer.alloc(32, 1)]);
    expect(readConfig({}).oauth.keys).toBeNull();
  });

  it('refuses a key of the wrong size with one line that never echoes it', () => {
    let error: unknown;
    try {
      readConfig({ OAUTH_TOKEN_KEYS: 'not-a-key-but-a-secret' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'OAUTH_TOKEN_KEYS=(hidden): expected 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)',
    ]);
  });
});
