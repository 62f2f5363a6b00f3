import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PostHog } from 'posthog-node';
import { startSandbox, type RunningSandbox } from '../../../../sandbox/index.js';

let sandbox: RunningSandbox;
const ANCHOR = Date.UTC(2026, 10, 24);

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 7, anchor: ANCHOR });
});

afterAll(async () => {
  await sandbox.stop();
});

function client(options: { disableCompression?: boolean } = {}): PostHog {
  return new PostHog(sandbox.posthogProjectToken, {
    host: sandbox.urls.posthog,
    flushAt: 1,
    flushInterval: 0,
    fetchRetryCount: 0,
    ...options,
  });
}

const capturedNamed = (name: string) => sandbox.captured.filter((e) => e.event === name);

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${sandbox.urls.posthog}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

describe('PostHog capture through the official posthog-node library', () => {
  it.each<[string, { disableCompression?: boolean }]>([
    ['gzipped (the default)', {}],
    ['uncompressed', { disableCompression: true }],
  ])('delivers a batch %s to /batch/, seen by the events list and HogQL', async (_label, options) => {
    const name = `node_${options.disableCompression ? 'plain' : 'gzip'}`;
    const posthog = client(options);
    const uuid = `0190a3a1-7c00-7000-8000-00000000aa0${options.disableCompression ? 1 : 2}`;
    const sent: string[] = [];
    posthog.on('error', (error: unknown) => sent.push(`error ${String(error)}`));
    posthog.capture({ distinctId: 'user-node-1', event: name, properties: { plan: 'pro' } });
    posthog.capture({
      distinctId: 'user-node-2',
      event: name,
      timestamp: new Date(ANCHOR - 3_600_000),
      uuid,
    });
    await posthog.shutdown();
    expect(sent).toEqual([]);
    const events = capturedNamed(name);
    expect(events.map((e) => e.distinctId).sort()).toEqual(['user-node-1', 'user-node-2']);
    expect(events.find((e) => e.distinctId === 'user-node-1')?.properties).toMatchObject({
      plan: 'pro',
      $lib: 'posthog-node',
    });
    expect(events.find((e) => e.distinctId === 'user-node-2')).toMatchObject({
      uuid,
      timestamp: ANCHOR - 3_600_000,
    });

    const res = await fetch(
      `${sandbox.urls.posthog}/api/projects/${sandbox.credentials.posthogProjectId}/query/`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${sandbox.credentials.posthogApiKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          query: { kind: 'HogQLQuery', query: `SELECT count() FROM events WHERE event = '${name}'` },
        }),
      },
    );
    expect(((await res.json()) as { results: unknown[][] }).results).toEqual([[2]]);
  });

  it('delivers captureImmediate and identify', async () => {
    const posthog = client();
    await posthog.captureImmediate({ distinctId: 'user-node-3', event: 'node_immediate' });
    posthog.identify({ distinctId: 'user-node-3', properties: { email: 'three@example.com' } });
    await posthog.shutdown();
    expect(capturedNamed('node_immediate')).toHaveLength(1);
    expect(capturedNamed('$identify')).toEqual([expect.objectContaining({ distinctId: 'user-node-3' })]);
  });
});

describe('PostHog capture body formats and answers', () => {
  const token = () => sandbox.posthogProjectToken;

  it('takes a single event, an array and a {batch} envelope on every events route, with or without the slash', async () => {
    for (const path of ['/i/v0/e/', '/e', '/capture/', '/track', '/engage/', '/batch']) {
      const tag = path.replace(/\W/g, '');
      const single = await post(
        path,
        JSON.stringify({ api_key: token(), event: `one_${tag}`, distinct_id: 'd1' }),
      );
      const array = await post(
        path,
        JSON.stringify([
          { token: token(), event: `arr_${tag}`, distinct_id: 'd1' },
          { token: token(), event: `arr_${tag}`, distinct_id: 'd2' },
        ]),
      );
      const batch = await post(
        path,
        gzipSync(JSON.stringify({ api_key: token(), batch: [{ event: `env_${tag}`, distinct_id: 42 }] })),
        { 'content-encoding': 'gzip' },
      );
      for (const answer of [single, array, batch]) {
        expect({ path, status: answer.status, body: JSON.parse(answer.text) as unknown }).toEqual({
          path,
          status: 200,
          body: { status: 'Ok' },
        });
      }
      expect(capturedNamed(`one_${tag}`)).toHaveLength(1);
      expect(capturedNamed(`arr_${tag}`)).toHaveLength(2);
      expect(capturedNamed(`env_${tag}`).map((e) => e.distinctId)).toEqual(['42']);
    }
  });

  it('takes a form data= body and answers 204 to a beacon', async () => {
    const data = JSON.stringify({ api_key: token(), event: 'form_event', distinct_id: 'f1' });
    const res = await post('/e/?beacon=1', `data=${encodeURIComponent(data)}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(204);
    expect(capturedNamed('form_event')).toHaveLength(1);
  });

  it('refuses in plain text as PostHog capture does, storing nothing', async () => {
    const before = sandbox.captured.length;
    const cases: [string | Buffer, number, string][] = [
      ['{not json', 400, 'failed to parse request: '],
      ['', 400, 'request holds no event'],
      [JSON.stringify({ api_key: token(), batch: [] }), 400, 'request holds no event'],
      [
        JSON.stringify({ api_key: token(), distinct_id: 'x' }),
        400,
        'event submitted with an empty event name',
      ],
      [JSON.stringify({ api_key: token(), event: 'e' }), 400, 'event submitted without a distinct_id'],
      [JSON.stringify({ event: 'e', distinct_id: 'x' }), 401, 'event submitted without an api_key'],
      [
        JSON.stringify([
          { token: token(), event: 'e', distinct_id: 'x' },
          { token: 'phc_other', event: 'e', distinct_id: 'x' },
        ]),
        401,
        'batch submitted with inconsistent api_key values',
      ],
      [
        JSON.stringify({ api_key: 'phx_personal', event: 'e', distinct_id: 'x' }),
        401,
        'API key is not valid: ',
      ],
      [Buffer.from([0x1f, 0x8b, 0x00, 0x01]), 400, 'failed to decode request: '],
    ];
    for (const [body, status, text] of cases) {
      const res = await post('/batch/', body);
      expect({
        status: res.status,
        plain: res.type.startsWith('text/plain'),
        start: res.text.slice(0, text.length),
      }).toEqual({
        status,
        plain: true,
        start: text,
      });
    }
    expect(sandbox.captured.length).toBe(before);
  });
});
