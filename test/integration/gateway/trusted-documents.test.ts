import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ContactRecord } from '../../../sandbox/data/dataset.js';
import type { RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { ConfigError, DEFAULT_TRUSTED_DOCUMENTS_MANIFEST } from '../../../src/config.js';
import { queryHeaders, startTestConcord, type GraphQLResponse } from '../../support/stack.js';

/** The manifest `npm run codegen` wrote from client/operations/. */
const MANIFEST = JSON.parse(readFileSync(DEFAULT_TRUSTED_DOCUMENTS_MANIFEST, 'utf8')) as Record<
  string,
  string
>;

function idOf(operation: string): string {
  const entry = Object.entries(MANIFEST).find(([, text]) => text.startsWith(`query ${operation}(`));
  if (!entry) throw new Error(`no ${operation} in the manifest`);
  return entry[0];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const ARBITRARY = '{ customers(first: 1) { edges { node { email phone } } } }';

interface Gateway {
  concord: Concord;
  sandbox: RunningSandbox;
  post(body: Record<string, unknown>): Promise<{ status: number; body: GraphQLResponse }>;
}

async function start(env: Record<string, string>): Promise<Gateway> {
  const concord = await startTestConcord(env);
  const sandbox = concord.connected.sandbox;
  if (!sandbox) throw new Error('these tests run against the sandbox');
  return {
    concord,
    sandbox,
    post: async (body) => {
      const res = await fetch(concord.gateway.url, {
        method: 'POST',
        headers: queryHeaders(concord.gateway),
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as GraphQLResponse };
    },
  };
}

describe('TRUSTED_DOCUMENTS=allow-listed-only', () => {
  let gw: Gateway;
  let contact: ContactRecord;

  beforeAll(async () => {
    gw = await start({ TRUSTED_DOCUMENTS: 'allow-listed-only' });
    contact = gw.sandbox.dataset.contacts[3] as ContactRecord;
  });
  afterAll(async () => {
    await gw.concord.stop();
  });

  it('runs a manifest operation sent by documentId', async () => {
    const res = await gw.post({ documentId: idOf('CustomerByEmail'), variables: { email: contact.email } });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({
      customer: { email: contact.email, name: `${contact.firstName} ${contact.lastName}` },
    });
  });

  it("runs a manifest operation sent by Apollo's persistedQuery hash", async () => {
    const hash = idOf('CustomerByEmail').slice('sha256:'.length);
    const res = await gw.post({
      variables: { email: contact.email },
      extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({ customer: { email: contact.email } });
  });

  it('runs the exact text of a manifest document, which is as good as its id', async () => {
    const text = MANIFEST[idOf('CustomerByEmail')] as string;
    const res = await gw.post({ query: text, variables: { email: contact.email } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({ customer: { email: contact.email } });
  });

  it('refuses an arbitrary query with TRUSTED_DOCUMENT_REQUIRED, before any provider is asked', async () => {
    gw.sandbox.counters.reset();
    const res = await gw.post({ query: ARBITRARY });
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toEqual([
      {
        message: expect.stringContaining('This server runs only trusted documents'),
        extensions: { code: 'TRUSTED_DOCUMENT_REQUIRED' },
      },
    ]);
    expect(gw.sandbox.counters.snapshot().total).toEqual({
      hubspot: 0,
      stripe: 0,
      posthog: 0,
      salesforce: 0,
    });
  });

  it('refuses an unknown id with TRUSTED_DOCUMENT_NOT_FOUND', async () => {
    const res = await gw.post({ documentId: `sha256:${'0'.repeat(64)}` });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'TRUSTED_DOCUMENT_NOT_FOUND' });
    expect(res.body.errors?.[0]?.message).toContain('npm run codegen');
  });

  it('cannot be talked into trusting a document by automatic persisted queries', async () => {
    const hash = sha256(ARBITRARY);
    const register = await gw.post({
      query: ARBITRARY,
      extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
    });
    // The hash is looked up, not the text registered: an id outside the manifest is refused.
    expect(register.body.errors?.[0]?.extensions?.code).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
    expect(register.body.data).toBeUndefined();
    const replay = await gw.post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    expect(replay.body.errors?.[0]?.extensions?.code).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
    expect(replay.body.data).toBeUndefined();
  });

  it('also answers a GET by documentId', async () => {
    const url = new URL(gw.concord.gateway.url);
    url.searchParams.set('documentId', idOf('CustomerByEmail'));
    url.searchParams.set('variables', JSON.stringify({ email: contact.email }));
    const res = await fetch(url, {
      headers: { ...queryHeaders(gw.concord.gateway), 'apollo-require-preflight': 'true' },
    });
    const body = (await res.json()) as GraphQLResponse;
    expect(body.errors).toBeUndefined();
    expect(body.data).toMatchObject({ customer: { email: contact.email } });
  });
});

describe('TRUSTED_DOCUMENTS=off (the default)', () => {
  let gw: Gateway;

  beforeAll(async () => {
    gw = await start({});
  });
  afterAll(async () => {
    await gw.concord.stop();
  });

  it('runs arbitrary queries', async () => {
    const res = await gw.post({ query: ARBITRARY });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({
      customers: { edges: [{ node: { email: gw.sandbox.dataset.contacts[0]?.email } }] },
    });
  });

  it('supports automatic persisted queries: unknown hash, then register, then hash alone', async () => {
    const query = '{ customers(first: 2) { edges { node { name } } } }';
    const persistedQuery = { version: 1, sha256Hash: sha256(query) };
    const miss = await gw.post({ extensions: { persistedQuery } });
    expect(miss.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await gw.post({ query, extensions: { persistedQuery } });
    expect(register.body.errors).toBeUndefined();
    const hit = await gw.post({ extensions: { persistedQuery } });
    expect(hit.body.errors).toBeUndefined();
    expect(hit.body.data).toEqual(register.body.data);
    const [first, second] = gw.sandbox.dataset.contacts;
    expect(hit.body.data).toEqual({
      customers: {
        edges: [first, second].map((c) => ({ node: { name: `${c?.firstName} ${c?.lastName}` } })),
      },
    });
  });

  it('still runs manifest operations by documentId', async () => {
    const contact = gw.sandbox.dataset.contacts[1] as ContactRecord;
    const res = await gw.post({ documentId: idOf('CustomerByEmail'), variables: { email: contact.email } });
    expect(res.body.data).toMatchObject({ customer: { email: contact.email } });
  });
});

describe('trusted documents fail closed at start-up', () => {
  it('refuses to start allow-listed-only without a readable manifest, naming the variable', async () => {
    const failure = startTestConcord({
      TRUSTED_DOCUMENTS: 'allow-listed-only',
      TRUSTED_DOCUMENTS_MANIFEST: '/nonexistent/persisted-documents.json',
    });
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(
      'TRUSTED_DOCUMENTS_MANIFEST="/nonexistent/persisted-documents.json": cannot read it (ENOENT)',
    );
  });
});
