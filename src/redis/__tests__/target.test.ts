import { describe, expect, it } from '@jest/globals';
import { configProblems } from '../../../test/support/config.js';
import { readConfig } from '../../config.js';
import { RedisUrlError, parseRedisUrl } from '../target.js';

describe('REDIS_URL', () => {
  it('names one server as node-redis reads it', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379/2')).toEqual({
      topology: 'server',
      url: 'redis://127.0.0.1:6379/2',
    });
    expect(parseRedisUrl('rediss://u:p@cache.internal:6380').topology).toBe('server');
  });

  it('names a cluster by its seed nodes, with credentials and TLS for every node', () => {
    expect(parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001,[::1]:7002')).toEqual({
      topology: 'cluster',
      nodes: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7001', 'redis://[::1]:7002'],
      tls: false,
    });
    expect(parseRedisUrl('rediss+cluster://app:p%40ss@redis-0.redis:6379/')).toEqual({
      topology: 'cluster',
      nodes: ['rediss://redis-0.redis:6379'],
      username: 'app',
      password: 'p@ss',
      tls: true,
    });
    expect(parseRedisUrl('redis+cluster://:only-a-password@h:1')).toMatchObject({
      password: 'only-a-password',
    });
  });

  it.each([
    ['redis+cluster://', /at least one host:port/],
    ['redis+cluster://h1:7000,h2', /"h2" is not a host:port/],
    ['redis+cluster://h1:7000,,h2:7001', /"" is not a host:port/],
    ['redis+cluster://h1:70000', /"h1:70000" is not a host:port/],
    ['redis+cluster://h1:7000/3', /no database/],
    ['redis+cluster://h1:7000?tls=true', /no database, path or options/],
    ['http://h1:7000', /not http:\/\//],
    ['h1:7000', /expected redis:\/\/host:port/],
  ])('refuses %s with one clear line', (text, message) => {
    expect(() => parseRedisUrl(text)).toThrow(RedisUrlError);
    expect(() => parseRedisUrl(text)).toThrow(message);
  });

  it('is checked at start-up, one line, without echoing a password', () => {
    const problems = configProblems({ REDIS_URL: 'redis+cluster://u:hunter2@h1:7000,h2' });
    expect(problems).toEqual([expect.stringMatching(/^REDIS_URL=\(hidden\): "h2" is not a host:port/)]);
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(readConfig({ REDIS_URL: 'redis+cluster://h1:7000,h2:7001' }).cache.redisUrl).toBe(
      'redis+cluster://h1:7000,h2:7001',
    );
  });
});
