import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createClient } from '@redis/client';
import { jwtVerify } from 'jose';
import { createApiKeyVerifier } from '../../../src/auth/api-keys.js';
import { ApiKeysSchema } from '../../../src/auth/settings.js';
import { INVALIDATION_CHANNEL } from '../../../src/cache/invalidation-feed.js';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import type { Concord } from '../../../src/app.js';
import { PACKAGE_ROOT } from '../../../src/runtime/package-root.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';
import { postQuery, startTestConcord } from '../../support/stack.js';
import { TEST_JWT } from '../../support/tokens.js';

/** Each run starts a Node process that compiles the CLI through tsx: seconds apiece on a busy 2-core box. */
jest.setTimeout(180_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npx concord …` as the package's bin runs it, with this test's Node 24 and only the env given. */
function concord(args: string[], env: Record<string, string> = {}, stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin', 'concord.js'), ...args], {
      cwd: PACKAGE_ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('npx concord', () => {
  it('prints its usage, and refuses an unknown command with exit code 2', async () => {
    const help = await concord(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['token', 'hash-key', 'status', 'purge', 'check-config']) {
      expect(help.stdout).toContain(`concord ${command}`);
    }
    const unknown = await concord(['launch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command launch');
  });

  describe('hash-key', () => {
    it('makes an API_KEYS entry start-up accepts and the verifier matches to the key on stdin', async () => {
      const run = await concord(
        ['hash-key', '--name', 'ci', '--scope', 'crm:read payments:read'],
        {},
        'k3y-from-stdin\n',
      );
      expect(run.code).toBe(0);
      const entries = ApiKeysSchema.parse(run.stdout.trim());
      expect(entries).toEqual([
        { name: 'ci', sha256: expect.any(String), scopes: ['crm:read', 'payments:read'] },
      ]);
      const viewer = createApiKeyVerifier(entries)('k3y-from-stdin');
      expect(viewer?.id).toBe('api-key:ci');
      expect(createApiKeyVerifier(entries)('another key')).toBeNull();
    });

    it('generates a key and its hash, and refuses an unknown scope or no key', async () => {
      const generated = await concord(['hash-key', '--generate']);
      const [key, hash] = generated.stdout.trim().split('\n');
      expect(generated.code).toBe(0);
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      const entries = ApiKeysSchema.parse(`gen:${hash ?? ''}:crm:read`);
      expect(createApiKeyVerifier(entries)(key ?? '')).not.toBeNull();

      const badScope = await concord(['hash-key', '--name', 'x', '--scope', 'crm:everything'], {}, 'k');
      expect(badScope.code).toBe(1);
      expect(badScope.stderr).toContain('unknown scope crm:everything');
      const empty = await concord(['hash-key']);
      expect(empty.code).toBe(2);
      expect(empty.stderr).toContain('no key on stdin');
    });
  });

  describe('token', () => {
    let gateway: Concord;
    beforeAll(async () => {
      gateway = await startTestConcord();
    });
    afterAll(async () => {
      await gateway.stop();
    });

    it('signs a token with the chosen scopes that the gateway accepts, and FORBIDDEN shows for the rest', async () => {
      const run = await concord(['token', '--scope', 'crm:read', '--ttl', '600'], TEST_JWT);
      expect(run.code).toBe(0);
      const token = run.stdout.trim();
      const { payload } = await jwtVerify(token, new TextEncoder().encode(TEST_JWT.JWT_SECRET), {
        issuer: TEST_JWT.JWT_ISSUER,
        audience: TEST_JWT.JWT_AUDIENCE,
      });
      expect(payload.scope).toBe('crm:read');
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(600);

      const answer = await postQuery<{ customers: { edges: Array<{ node: { name: string | null } }> } }>(
        gateway.gateway,
        '{ customers(first: 1) { edges { node { name lifetimeValue { formatted } } } } }',
        undefined,
        { token },
      );
      expect(answer.data?.customers.edges[0]?.node.name).toEqual(expect.any(String));
      expect(answer.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
    });

    it('refuses in production, without JWT_SECRET, and an unknown scope', async () => {
      const production = await concord(['token'], { ...TEST_JWT, NODE_ENV: 'production' });
      expect(production.code).toBe(1);
      expect(production.stdout).toBe('');
      expect(production.stderr).toContain('refused: NODE_ENV=production');
      const noSecret = await concord(['token']);
      expect(noSecret.code).toBe(1);
      expect(noSecret.stderr).toContain('JWT_SECRET is not set');
      const unknown = await concord(['token', '--scope', 'root'], TEST_JWT);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown scope root');
    });
  });

  describe('check-config', () => {
    it('passes a good environment and fails a bad one with one line per problem', async () => {
      const good = await concord(['check-config'], { PORT: '4100' });
      expect(good.code).toBe(0);
      expect(good.stdout).toContain('config ok: sandbox mode');
      const bad = await concord(['check-config'], {
        PORT: 'abc',
        CACHE_TTL_CONTACTS_S: '-1',
        NODE_ENV: 'production',
      });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('PORT="abc": expected a whole number');
      expect(bad.stderr).toContain('CURSOR_SECRET is missing');
      expect(bad.stdout).toBe('');
    });
  });

  describe('status and purge against a running gateway with Redis', () => {
    let redis: TestRedis;
    let gateway: Concord;
    beforeAll(async () => {
      redis = await startTestRedis();
      gateway = await startTestConcord({
        REDIS_URL: redis.url,
        ADMIN_PORT: '0',
        CACHE_READ_TIMEOUT_MS: '10000',
      });
    });
    afterAll(async () => {
      await gateway.stop();
      await redis.stop();
    });

    it('status shows each provider with its circuit and quota', async () => {
      await postQuery(gateway.gateway, '{ customers(first: 1) { edges { node { name } } } }');
      const run = await concord(['status', '--url', gateway.gateway.adminUrl ?? '']);
      expect(run.code).toBe(0);
      const lines = run.stdout.split('\n');
      expect(lines[0]).toMatch(/^provider\s+mode\s+circuit\s+calls\s+errors\s+p95 ms\s+quota$/);
      for (const provider of ['hubspot', 'stripe', 'posthog']) {
        expect(lines.find((l) => l.startsWith(provider))).toMatch(
          new RegExp(`^${provider}\\s+sandbox\\s+CLOSED\\s+\\d+`),
        );
      }
      const json = await concord(['status', '--url', gateway.gateway.adminUrl ?? '', '--json']);
      const report = JSON.parse(json.stdout) as { providers: Array<{ name: string; circuit: string }> };
      expect(report.providers.map((p) => p.name)).toEqual(['hubspot', 'stripe', 'posthog']);
      const down = await concord(['status', '--url', 'http://127.0.0.1:9']);
      expect(down.code).toBe(1);
      expect(down.stderr).toContain('no answer');
    });

    it("purge drops a customer's entries from Redis and announces them to every replica's local tier", async () => {
      const contactId = gateway.connected.sandbox?.dataset.contacts[0]?.crmId ?? '';
      const id = toGlobalId('Customer', contactId);
      const read = await postQuery<{ customer: { name: string } | null }>(
        gateway.gateway,
        `{ customer(id: "${id}") { name } }`,
      );
      expect(read.data?.customer?.name).toEqual(expect.any(String));
      const client = createClient({ url: redis.url });
      await client.connect();
      const subscriber = client.duplicate();
      await subscriber.connect();
      const heard: string[] = [];
      await subscriber.subscribe(INVALIDATION_CHANNEL, (message) => heard.push(message));
      try {
        const pattern = `concord:v1:hubspot:*:contacts:${contactId}`;
        expect(await client.keys(pattern)).toHaveLength(1);

        const run = await concord(['purge', 'customer', id], { REDIS_URL: redis.url });
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.stdout).toContain(`purged customer ${contactId}`);
        expect(await client.keys(pattern)).toEqual([]);
        const announced = heard.map((m) => JSON.parse(m) as { keys?: string[] }).flatMap((m) => m.keys ?? []);
        expect(announced.some((key) => key.endsWith(`:contacts:${contactId}`))).toBe(true);
        expect(announced.some((key) => key.endsWith(':lists:generation'))).toBe(true);

        const wrongType = await concord(['purge', 'company', id], { REDIS_URL: redis.url });
        expect(wrongType.code).toBe(2);
        expect(wrongType.stderr).toContain("is a Customer id, not a company's");
        const noRedis = await concord(['purge', 'customer', contactId]);
        expect(noRedis.code).toBe(1);
        expect(noRedis.stderr).toContain('no REDIS_URL');
      } finally {
        await subscriber.close();
        await client.close();
      }
    });
  });
});
