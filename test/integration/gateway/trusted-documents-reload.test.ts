import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Concord } from '../../../src/app.js';
import { ConfigError, DEFAULT_TRUSTED_DOCUMENTS_MANIFEST } from '../../../src/config.js';
import { spawnGateway, type SpawnedGateway } from '../../support/spawn-gateway.js';
import { queryHeaders, startTestConcord, type GraphQLResponse } from '../../support/stack.js';

/** The manifest codegen wrote (the operations the image ships with). */
const SHIPPED = JSON.parse(readFileSync(DEFAULT_TRUSTED_DOCUMENTS_MANIFEST, 'utf8')) as Record<
  string,
  string
>;

/** A frontend's new operation, published in a manifest after Concord was released. */
const NEW_QUERY = 'query NewestCustomerEmail { customers(first: 1) { edges { node { email } } } }';
const NEW_ID = `sha256:${createHash('sha256').update(NEW_QUERY).digest('hex')}`;
const WITH_NEW = { ...SHIPPED, [NEW_ID]: NEW_QUERY };

async function post(url: string, headers: Record<string, string>, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  return (await res.json()) as GraphQLResponse;
}

/** Whether the gateway runs the new operation by its id (else: its refusal code). */
async function runsNewQuery(url: string, headers: Record<string, string>): Promise<true | string> {
  const body = await post(url, headers, { documentId: NEW_ID });
  if (body.data && !body.errors) return true;
  return String(body.errors?.[0]?.extensions?.code);
}

/** Polls until the new operation runs or `timeoutMs` passes: the outcome is asserted, never the time it took. */
async function eventuallyRunsNewQuery(url: string, headers: Record<string, string>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last: true | string = 'not tried';
  while (Date.now() < deadline) {
    last = await runsNewQuery(url, headers);
    if (last === true) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}

/** The two trusted-documents series from /metrics. */
async function manifestMetrics(concord: Concord) {
  const origin = concord.gateway.adminUrl ?? new URL(concord.gateway.url).origin;
  const text = await (await fetch(`${origin}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  return {
    documents: value(/^concord_trusted_documents (\d+)$/m),
    updated: value(/^concord_trusted_documents_reloads_total\{result="updated"\} (\d+)$/m),
    unchanged: value(/^concord_trusted_documents_reloads_total\{result="unchanged"\} (\d+)$/m),
    failed: value(/^concord_trusted_documents_reloads_total\{result="failed"\} (\d+)$/m),
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concord-manifest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a manifest file outside the image (allow-listed-only)', () => {
  let concord: Concord;
  let file: string;
  let headers: Record<string, string>;

  beforeAll(async () => {
    file = join(dir, 'file-manifest.json');
    await writeFile(file, JSON.stringify(SHIPPED));
    concord = await startTestConcord({
      TRUSTED_DOCUMENTS: 'allow-listed-only',
      TRUSTED_DOCUMENTS_MANIFEST: file,
      // Reloads are asked for by the test (as SIGHUP would), not by a timer.
      TRUSTED_DOCUMENTS_RELOAD_MS: '0',
    });
    headers = queryHeaders(concord.gateway);
  });
  afterAll(async () => {
    await concord.stop();
  });

  it('runs a new frontend query once its manifest is published and reloaded, with no release', async () => {
    expect(await runsNewQuery(concord.gateway.url, headers)).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
    await writeFile(file, JSON.stringify(WITH_NEW));
    expect(await concord.gateway.reloadTrustedDocuments()).toBe('updated');

    const body = await post(concord.gateway.url, headers, { documentId: NEW_ID });
    expect(body.errors).toBeUndefined();
    const email = concord.connected.sandbox?.dataset.contacts[0]?.email;
    expect(body.data).toEqual({ customers: { edges: [{ node: { email } }] } });
    expect(await concord.gateway.reloadTrustedDocuments()).toBe('unchanged');
  });

  it.each([
    ['not JSON', '{"sha256:'],
    ['an entry whose key is not the hash of its text', JSON.stringify({ [NEW_ID]: '{ __typename }' })],
    ['no documents at all', '{}'],
  ])('keeps the last good manifest when the new one is %s', async (_what, text) => {
    await writeFile(file, text);
    expect(await concord.gateway.reloadTrustedDocuments()).toBe('failed');
    expect(await runsNewQuery(concord.gateway.url, headers)).toBe(true);
  });

  it('keeps the last good manifest when the file is gone, and counts every reload in /metrics', async () => {
    await rm(file);
    expect(await concord.gateway.reloadTrustedDocuments()).toBe('failed');
    expect(await runsNewQuery(concord.gateway.url, headers)).toBe(true);
    expect(await manifestMetrics(concord)).toEqual({
      documents: Object.keys(WITH_NEW).length,
      updated: 1,
      unchanged: 1,
      failed: 4,
    });
  });
});

describe('a manifest file re-read every TRUSTED_DOCUMENTS_RELOAD_MS', () => {
  let concord: Concord;

  afterAll(async () => {
    await concord.stop();
  });

  it('picks up a changed file without being asked', async () => {
    const file = join(dir, 'interval-manifest.json');
    await writeFile(file, JSON.stringify(SHIPPED));
    concord = await startTestConcord({
      TRUSTED_DOCUMENTS: 'allow-listed-only',
      TRUSTED_DOCUMENTS_MANIFEST: file,
      TRUSTED_DOCUMENTS_RELOAD_MS: '1000',
    });
    const headers = queryHeaders(concord.gateway);
    expect(await runsNewQuery(concord.gateway.url, headers)).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
    await writeFile(file, JSON.stringify(WITH_NEW));
    expect(await eventuallyRunsNewQuery(concord.gateway.url, headers)).toBe(true);
  });
});

/** A manifest server: serves `manifest` with an ETag, answers If-None-Match with 304, or `status` when set. */
function manifestServer() {
  const state = {
    manifest: JSON.stringify(SHIPPED),
    status: 200,
    requests: [] as Array<{ url: string; ifNoneMatch: string | undefined }>,
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests.push({ url: req.url ?? '', ifNoneMatch: req.headers['if-none-match'] });
    if (state.status !== 200) {
      res.writeHead(state.status).end('unavailable');
      return;
    }
    const etag = `"${createHash('sha256').update(state.manifest).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', etag }).end(state.manifest);
  });
  return { server, state };
}

describe('a manifest served over HTTP', () => {
  const { server, state } = manifestServer();
  let base: string;
  let concord: Concord;
  let headers: Record<string, string>;

  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    concord = await startTestConcord({
      TRUSTED_DOCUMENTS: 'allow-listed-only',
      TRUSTED_DOCUMENTS_MANIFEST: `${base}/concord/persisted-documents.json?token=publish-secret`,
      TRUSTED_DOCUMENTS_RELOAD_MS: '0',
    });
    headers = queryHeaders(concord.gateway);
  });
  afterEach(() => {
    state.status = 200;
  });
  afterAll(async () => {
    await concord.stop();
    server.closeAllConnections();
    server.close();
  });

  it('loads it at start, reloads a new version, and asks with If-None-Match so an unchanged one is not sent again', async () => {
    expect(state.requests).toEqual([
      { url: '/concord/persisted-documents.json?token=publish-secret', ifNoneMatch: undefined },
    ]);
    expect(await runsNewQuery(concord.gateway.url, headers)).toBe('TRUSTED_DOCUMENT_NOT_FOUND');

    state.manifest = JSON.stringify(WITH_NEW);
    expect(await concord.gateway.reloadTrustedDocuments()).toBe('updated');
    expect(await runsNewQuery(concord.gateway.url, headers)).toBe(true);

    expect(await concord.gateway.reloadTrustedDocuments()).toBe('unchanged');
    const [, second, third] = state.requests;
    expect(second?.ifNoneMatch).toMatch(/^"[0-9a-f]{16}"$/);
    expect(third?.ifNoneMatch).not.toBe(second?.ifNoneMatch);
  });

  it('keeps the last good manifest while the server fails, and shares one read between concurrent reloads', async () => {
    state.status = 503;
    const before = state.requests.length;
    const results = await Promise.all([
      concord.gateway.reloadTrustedDocuments(),
      concord.gateway.reloadTrustedDocuments('SIGHUP'),
    ]);
    expect(results).toEqual(['failed', 'failed']);
    expect(state.requests.length).toBe(before + 1);
    expect(await runsNewQuery(concord.gateway.url, headers)).toBe(true);
  });

  it('starts without the manifest when the switch is off, and takes it up once the server answers', async () => {
    state.status = 503;
    state.manifest = JSON.stringify(WITH_NEW);
    const off = await startTestConcord({
      TRUSTED_DOCUMENTS_MANIFEST: `${base}/concord/persisted-documents.json`,
      TRUSTED_DOCUMENTS_RELOAD_MS: '0',
    });
    try {
      const offHeaders = queryHeaders(off.gateway);
      // Text runs with the switch off; the id is unknown until the manifest arrives.
      expect((await post(off.gateway.url, offHeaders, { query: NEW_QUERY })).errors).toBeUndefined();
      expect(await runsNewQuery(off.gateway.url, offHeaders)).not.toBe(true);
      state.status = 200;
      expect(await off.gateway.reloadTrustedDocuments()).toBe('updated');
      expect(await runsNewQuery(off.gateway.url, offHeaders)).toBe(true);
    } finally {
      await off.stop();
    }
  });

  it('refuses to start allow-listed-only when the URL cannot be read, without echoing its query', async () => {
    state.status = 404;
    const failure = startTestConcord({
      TRUSTED_DOCUMENTS: 'allow-listed-only',
      TRUSTED_DOCUMENTS_MANIFEST: `${base}/missing.json?token=publish-secret`,
    });
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(
      `TRUSTED_DOCUMENTS_MANIFEST="${base}/missing.json?…": cannot read it (HTTP 404)`,
    );
  });
});

describe('SIGHUP (npm start)', () => {
  let gateway: SpawnedGateway | undefined;

  afterAll(async () => {
    await gateway?.stop();
  });

  it('re-reads the manifest and keeps serving', async () => {
    const file = join(dir, 'sighup-manifest.json');
    await writeFile(file, JSON.stringify(SHIPPED));
    gateway = await spawnGateway({
      TRUSTED_DOCUMENTS: 'allow-listed-only',
      TRUSTED_DOCUMENTS_MANIFEST: file,
      TRUSTED_DOCUMENTS_RELOAD_MS: '0',
    });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${gateway.token}` };
    expect(await runsNewQuery(gateway.url, headers)).toBe('TRUSTED_DOCUMENT_NOT_FOUND');

    await writeFile(file, JSON.stringify(WITH_NEW));
    gateway.child.kill('SIGHUP');
    expect(await eventuallyRunsNewQuery(gateway.url, headers)).toBe(true);
    expect(gateway.child.exitCode).toBeNull();
    // A whole gateway and its sandbox start in this test: more than jest's default 30 s on a loaded machine.
  }, 90_000);
});
