import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { LARGE_ANSWER_BYTES } from '../decode-turns.js';
import { ProviderErrorCode } from '../errors.js';
import { ProviderHttpClient, type UpstreamCall } from '../http-client.js';
import { providerFailure } from '../../../test/support/provider-failure.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A scripted upstream: each test sets what the next requests get. */
describe('ProviderHttpClient', () => {
  let server: Server;
  let baseUrl: string;
  let handler: Handler = (_req, res) => res.end('{}');
  let connections = 0;
  const calls: UpstreamCall[] = [];
  let client: ProviderHttpClient;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => handler(req, res, body));
    });
    server.on('connection', () => connections++);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    client = new ProviderHttpClient({
      provider: 'acme',
      baseUrl,
      authHeaders: () => ({ authorization: 'Bearer secret-token' }),
      timeoutMs: 300,
      onCall: (call) => calls.push(call),
    });
  });

  afterAll(async () => {
    await client.close();
    server.closeAllConnections();
    server.close();
  });

  const Thing = z.object({ id: z.string(), n: z.number() });
  const get = () =>
    client.request({ method: 'GET', path: '/things/1', endpoint: 'GET /things/{id}', schema: Thing });

  it('sends auth, query and form bodies, and parses a valid answer', async () => {
    let seen: { url?: string; auth?: string; type?: string; key?: string; body?: string } = {};
    handler = (req, res, body) => {
      seen = {
        url: req.url,
        auth: req.headers.authorization,
        type: req.headers['content-type'],
        key: req.headers['idempotency-key'] as string,
        body,
      };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: 'x', n: 1, extra: true }));
    };
    const res = await client.request({
      method: 'POST',
      path: '/things',
      endpoint: 'POST /things',
      query: { expand: ['a', 'b'], created: { gte: 5 } },
      body: { metadata: { k: 'v' }, amount: 10 },
      bodyEncoding: 'form',
      idempotencyKey: 'key-1',
      schema: Thing,
    });
    expect(res.body).toEqual({ id: 'x', n: 1 });
    expect(decodeURIComponent(seen.url ?? '')).toBe('/api/things?expand[]=a&expand[]=b&created[gte]=5');
    expect(seen.auth).toBe('Bearer secret-token');
    expect(seen.type).toBe('application/x-www-form-urlencoded');
    expect(seen.key).toBe('key-1');
    expect(decodeURIComponent(seen.body ?? '')).toBe('metadata[k]=v&amount=10');
  });

  it('parses large answers (decoded on turns of their own) as small ones, byte order mark or not', async () => {
    const Page = z.object({ data: z.array(z.object({ id: z.string(), note: z.string() })) });
    const data = Array.from({ length: 1000 }, (_, i) => ({ id: `ch_${i}`, note: `Zoë's charge nº ${i} ✓` }));
    const text = JSON.stringify({ data });
    expect(Buffer.byteLength(text)).toBeGreaterThan(LARGE_ANSWER_BYTES);
    for (const bom of ['', '\uFEFF']) {
      handler = (_req, res) => {
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(bom + text);
      };
      const answers = await Promise.all(
        [1, 2, 3].map(() =>
          client.request({ method: 'GET', path: '/charges', endpoint: 'GET /charges', schema: Page }),
        ),
      );
      for (const answer of answers) expect(answer.body.data).toEqual(data);
    }
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    handler = (_req, res) => res.end(JSON.stringify({ id: 'x', n: 1 }));
    await get();
    const before = connections;
    for (let i = 0; i < 20; i++) await get();
    expect(connections).toBe(before);
  });

  it.each([
    [500, ProviderErrorCode.UNAVAILABLE, true],
    [503, ProviderErrorCode.UNAVAILABLE, true],
    [429, ProviderErrorCode.RATE_LIMITED, true],
    [404, ProviderErrorCode.NOT_FOUND, false],
    [401, ProviderErrorCode.UNAUTHORIZED, false],
    [400, ProviderErrorCode.REJECTED, false],
  ])('maps HTTP %i to %s (retryable %s)', async (status, code, retryable) => {
    handler = (_req, res) => {
      res.statusCode = status;
      res.setHeader('retry-after', '3');
      res.end(JSON.stringify({ message: 'upstream says: card 4242 for jane@example.com' }));
    };
    const error = await providerFailure(get());
    expect(error).toMatchObject({ provider: 'acme', status, code, retryable, endpoint: 'GET /things/{id}' });
    expect(error.retryAfterMs).toBe(3000);
    expect(error.message).not.toContain('jane@example.com');
  });

  it('treats a body that is not JSON, or not the documented shape, as BAD_RESPONSE', async () => {
    handler = (_req, res) => res.end('<html>gateway</html>');
    expect(await providerFailure(get())).toMatchObject({
      code: ProviderErrorCode.BAD_RESPONSE,
      status: 200,
      retryable: false,
    });
    handler = (_req, res) => res.end(JSON.stringify({ id: 7 }));
    expect(await providerFailure(get())).toMatchObject({ code: ProviderErrorCode.BAD_RESPONSE });
  });

  it('times out a slow answer as a retryable TIMEOUT', async () => {
    // The answer would come (and succeed) after a second; a TIMEOUT means the client gave up first.
    handler = (_req, res) => setTimeout(() => res.end(JSON.stringify({ id: 'x', n: 1 })), 1000);
    const error = await providerFailure(get());
    expect(error).toMatchObject({ code: ProviderErrorCode.TIMEOUT, status: null, retryable: true });
  });

  it('reports a refused connection as UNAVAILABLE', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    const dead = new ProviderHttpClient({
      provider: 'gone',
      baseUrl: `http://127.0.0.1:${port}`,
      authHeaders: () => ({}),
    });
    const error = await providerFailure(
      dead.request({ method: 'GET', path: '/', endpoint: 'GET /', schema: z.unknown() }),
    );
    expect(error).toMatchObject({ code: ProviderErrorCode.UNAVAILABLE, status: null, retryable: true });
    await dead.close();
  });

  it('tells the listener about every call with its endpoint template and status', async () => {
    calls.length = 0;
    handler = (_req, res) => res.end(JSON.stringify({ id: 'x', n: 1 }));
    await get();
    handler = (_req, res) => {
      res.statusCode = 502;
      res.end();
    };
    await providerFailure(get());
    expect(calls.map((c) => [c.endpoint, c.status])).toEqual([
      ['GET /things/{id}', 200],
      ['GET /things/{id}', 502],
    ]);
  });
});
