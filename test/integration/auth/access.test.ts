import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rawQuery } from '../../support/http.js';
import { startTestStack, type TestStack } from '../../support/stack.js';
import { signTestToken } from '../../support/tokens.js';

const CRM_KEY = 'ck_test_crm_only_0123456789';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const INTROSPECTION = '{ __schema { queryType { name } } }';

describe('field rules over HTTP', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({
      API_KEYS: `crm-only:${sha256(CRM_KEY)}:crm:read`,
      CORS_ORIGINS: 'https://app.example.com',
    });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('nulls each forbidden field with FORBIDDEN and keeps the rest of the answer', async () => {
    const { status, body } = await rawQuery(
      stack.gateway,
      '{ customers(first: 2) { edges { node { name email lifetimeValue { amount } activity { eventCount } } } } }',
      { 'x-api-key': CRM_KEY },
    );
    expect(status).toBe(200);
    const nodes = (body.data as { customers: { edges: Array<{ node: Record<string, unknown> }> } }).customers
      .edges;
    expect(nodes).toHaveLength(2);
    for (const { node } of nodes) {
      expect(node.name).toEqual(expect.any(String));
      expect(node).toMatchObject({ email: null, lifetimeValue: null, activity: null });
    }
    const forbidden = (body.errors ?? []).map((e) => `${e.extensions?.code} ${(e.path ?? []).join('.')}`);
    expect(forbidden.sort()).toEqual(
      [0, 1]
        .flatMap((i) =>
          ['email', 'lifetimeValue', 'activity'].map((f) => `FORBIDDEN customers.edges.${i}.node.${f}`),
        )
        .sort(),
    );
    expect(body.errors?.find((e) => e.path?.at(-1) === 'email')?.extensions).toEqual({
      code: 'FORBIDDEN',
      requiredScopes: 'crm:read pii:read',
    });
  });

  it('returns PII to a token holding pii:read, and forbids a top-level list outside the scopes', async () => {
    const token = await signTestToken({ scopes: ['crm:read', 'pii:read'] });
    const { body } = await rawQuery(
      stack.gateway,
      '{ customers(first: 1) { edges { node { email } } } payments(first: 1) { totalCount } }',
      {
        authorization: `Bearer ${token}`,
      },
    );
    const data = body.data as { customers: { edges: Array<{ node: { email: string } }> }; payments: unknown };
    expect(data.customers.edges[0]?.node.email).toMatch(/@/);
    expect(data.payments).toBeNull();
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('lets introspection through without credentials (INTROSPECTION=public), and nothing else', async () => {
    const schema = await rawQuery(stack.gateway, INTROSPECTION);
    expect(schema.status).toBe(200);
    expect(schema.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const sneaky = await rawQuery(stack.gateway, '{ __typename customers(first: 1) { totalCount } }');
    expect(sneaky.status).toBe(401);
  });

  it('answers CORS preflights from listed origins only', async () => {
    const preflight = (origin: string) =>
      fetch(stack.gateway.url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const listed = await preflight('https://app.example.com');
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(listed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const other = await preflight('https://evil.example.net');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps Apollo CSRF prevention: a simple cross-site request is refused even with a token', async () => {
    const token = await signTestToken();
    const res = await fetch(`${stack.gateway.url}?query=${encodeURIComponent('{ providers { name } }')}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/i);
  });
});

describe('introspection by configuration', () => {
  it('needs credentials when INTROSPECTION=authenticated, and is off when INTROSPECTION=off', async () => {
    const authenticated = await startTestStack({ INTROSPECTION: 'authenticated' });
    const off = await startTestStack({ INTROSPECTION: 'off' });
    try {
      expect((await rawQuery(authenticated.gateway, INTROSPECTION)).status).toBe(401);
      const withToken = await authenticated.query(INTROSPECTION);
      expect(withToken.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      expect((await rawQuery(off.gateway, INTROSPECTION)).status).toBe(401);
      const refused = await off.query(INTROSPECTION);
      expect(refused.data).toBeUndefined();
      expect(refused.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    } finally {
      await authenticated.stop();
      await off.stop();
    }
  });
});

describe('requests that run no operation', () => {
  it('serves the landing page to a browser without credentials, but no persisted query', async () => {
    const stack = await startTestStack();
    try {
      const page = await fetch(stack.gateway.url, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const hash = encodeURIComponent(
        JSON.stringify({ persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } }),
      );
      const persisted = await fetch(`${stack.gateway.url}?extensions=${hash}`, {
        headers: { 'apollo-require-preflight': 'true' },
      });
      expect(persisted.status).toBe(401);
    } finally {
      await stack.stop();
    }
  });
});
