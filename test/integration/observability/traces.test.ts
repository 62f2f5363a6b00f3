import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import { startConcord, type Concord } from '../../../src/app.js';
import { readConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/observability/logger.js';
import { TEST_ANCHOR, TEST_SEED, postQuery, startTestConcord } from '../../support/stack.js';
import { TEST_JWT, signTestToken } from '../../support/tokens.js';

const CUSTOMERS = /* GraphQL */ `
  query TracedCustomers {
    customers(first: 3) {
      edges {
        node {
          name
          company {
            name
          }
        }
      }
    }
  }
`;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

/** A tiny HubSpot in front of the sandbox's: passes every request on and keeps its `traceparent`. */
async function recordingProxy(target: string): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push(String(req.headers.traceparent ?? ''));
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          (entry): entry is [string, string] =>
            typeof entry[1] === 'string' && !['host', 'connection', 'content-length'].includes(entry[0]),
        ),
      );
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) })
        .then(async (upstream) => {
          res.writeHead(upstream.status, {
            'content-type': upstream.headers.get('content-type') ?? 'text/plain',
          });
          res.end(Buffer.from(await upstream.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, seen };
}

const hexId = (span: ReadableSpan) => span.spanContext().spanId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('OpenTelemetry traces with an in-memory exporter', () => {
  let sandbox: RunningSandbox;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let concord: Concord;
  const exporter = new InMemorySpanExporter();

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: TEST_SEED, anchor: Date.parse(TEST_ANCHOR) });
    proxy = await recordingProxy(sandbox.urls.hubspot);
    const { credentials, urls } = sandbox;
    const env = {
      NODE_ENV: 'test',
      CURSOR_SECRET: 'test-cursor-secret-0123456789',
      HOST: '127.0.0.1',
      PORT: '0',
      CACHE: 'false',
      ...TEST_JWT,
      HUBSPOT_ACCESS_TOKEN: credentials.hubspotAccessToken,
      HUBSPOT_BASE_URL: proxy.url,
      STRIPE_SECRET_KEY: credentials.stripeSecretKey,
      STRIPE_BASE_URL: urls.stripe,
      POSTHOG_API_KEY: credentials.posthogApiKey,
      POSTHOG_PROJECT_ID: String(credentials.posthogProjectId),
      POSTHOG_HOST: urls.posthog,
    };
    concord = await startConcord(readConfig(env), {
      logger: createLogger('silent'),
      env,
      spanExporter: exporter,
    });
  });

  afterAll(async () => {
    await concord?.stop();
    proxy?.server.close();
    await sandbox?.stop();
  });

  it('makes an operation span with loader-batch and provider-request spans under it, and sends its traceparent', async () => {
    // Only this query's spans and calls (start-up looked up HubSpot's write-key property).
    exporter.reset();
    proxy.seen.length = 0;
    const token = await signTestToken();
    const res = await postQuery(concord.gateway, CUSTOMERS, {}, { token });
    expect(res.errors).toBeUndefined();

    // The operation span ends when the response has been sent: wait for it to be exported.
    const deadline = Date.now() + 2_000;
    const operationSpan = () =>
      exporter.getFinishedSpans().find((s) => s.name === 'graphql.operation TracedCustomers');
    while (!operationSpan() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const operation = operationSpan();
    if (!operation) throw new Error('no operation span exported');
    expect(operation.attributes).toMatchObject({
      'graphql.operation.name': 'TracedCustomers',
      'graphql.operation.type': 'query',
      'concord.outcome': 'ok',
    });

    const spans = exporter.getFinishedSpans();
    const byId = new Map(spans.map((s) => [hexId(s), s]));
    const under = (span: ReadableSpan): boolean => {
      for (let p = parentOf(span); p; p = byId.get(p) ? parentOf(byId.get(p) as ReadableSpan) : undefined) {
        if (p === hexId(operation)) return true;
      }
      return false;
    };
    const providerSpans = spans.filter((s) => s.attributes['concord.provider'] !== undefined);
    expect(providerSpans.length).toBe(proxy.seen.length);
    for (const span of providerSpans) {
      expect(span.spanContext().traceId).toBe(operation.spanContext().traceId);
      expect(under(span)).toBe(true);
      expect(span.attributes).toMatchObject({ 'concord.provider': 'hubspot', 'concord.status_class': '2xx' });
      expect(String(span.attributes['concord.endpoint'])).toMatch(/^(GET|POST) \//);
    }
    // The company lookups were batched by a loader, whose span parents the batch read.
    const batch = spans.find((s) => s.name === 'dataloader.batch company');
    expect(batch && under(batch)).toBe(true);
    expect(providerSpans.some((s) => batch && parentOf(s) === hexId(batch))).toBe(true);

    // HubSpot was told which trace each call belongs to.
    expect(proxy.seen.length).toBeGreaterThan(0);
    for (const header of proxy.seen) {
      const match = TRACEPARENT.exec(header);
      expect(match?.[1]).toBe(operation.spanContext().traceId);
    }
  });
});

describe('traces off (the default)', () => {
  it('starts no tracer', async () => {
    const concord = await startTestConcord();
    try {
      expect(concord.observability.tracing).toBeNull();
    } finally {
      await concord.stop();
    }
  });
});
