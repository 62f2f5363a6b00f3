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

describe("PostHog capture's size limits and failures, in plain text", () => {
  const token = () => sandbox.posthogProjectToken;
  /** One event padded to about `bytes` of JSON. */
  const padded = (event: string, bytes: number) =>
    JSON.stringify({ api_key: token(), event, distinct_id: 'big', properties: { pad: 'x'.repeat(bytes) } });

  it('takes up to 20 MB on /batch and 2 MB on the single-event routes; over that, 413 in plain text, storing nothing', async () => {
    const accepted = await post('/batch/', padded('big_batch', 6 * 1024 * 1024));
    expect(accepted.status).toBe(200);
    expect(capturedNamed('big_batch')).toHaveLength(1);

    const before = sandbox.captured.length;
    for (const [path, bytes] of [
      ['/e/', 3 * 1024 * 1024],
      ['/batch/', 21 * 1024 * 1024],
    ] as const) {
      const res = await post(path, padded('too_big', bytes));
      expect({ path, status: res.status, plain: res.type.startsWith('text/plain'), text: res.text }).toEqual({
        path,
        status: 413,
        plain: true,
        text: 'maximum event size exceeded: request too large',
      });
    }
    expect(sandbox.captured.length).toBe(before);
  });

  // The rate-limit knob leaves capture alone (capture sits outside PostHog's rate limits: posthog-api.test.ts).
  it('answers the failure knobs (error rate, outage) in plain text, as capture does', async () => {
    const event = JSON.stringify({ api_key: token(), event: 'knobbed', distinct_id: 'k' });
    const cases: [Parameters<RunningSandbox['knobs']['set']>[1], number, string][] = [
      [{ errorRate: 1 }, 500, 'internal error'],
      [{ outage: true }, 503, 'transient error, please retry'],
    ];
    try {
      for (const [knobs, status, text] of cases) {
        sandbox.knobs.set('posthog', knobs);
        const res = await post('/batch/', event);
        expect({ status: res.status, plain: res.type.startsWith('text/plain'), text: res.text }).toEqual({
          status,
          plain: true,
          text,
        });
        sandbox.knobs.reset('posthog');
      }
    } finally {
      sandbox.knobs.reset('posthog');
    }
    expect(capturedNamed('knobbed')).toHaveLength(0);
  });
});

describe('the REST properties filter on the persons and events lists', () => {
  const list = async (path: string, properties: unknown) => {
    const url = new URL(
      `${sandbox.urls.posthog}/api/projects/${sandbox.credentials.posthogProjectId}/${path}`,
    );
    url.searchParams.set('properties', JSON.stringify(properties));
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${sandbox.credentials.posthogApiKey}` },
    });
    return {
      status: res.status,
      body: (await res.json()) as { results: Record<string, unknown>[] } & Record<string, unknown>,
    };
  };

  it('applies person filters to persons (exact by default, a list is OR, icontains, is_set)', async () => {
    const [a, b] = sandbox.dataset.contacts;
    const one = await list('persons/', [{ key: 'email', value: a?.email, type: 'person' }]);
    expect(one.status).toBe(200);
    expect(one.body.results.map((p) => (p.properties as Record<string, string>).email)).toEqual([a?.email]);
    const two = await list('persons/', [
      { key: 'email', value: [a?.email, b?.email], operator: 'exact', type: 'person' },
    ]);
    expect(two.body.results.map((p) => (p.properties as Record<string, string>).email).sort()).toEqual(
      [a?.email, b?.email].sort(),
    );
    const domain = (a?.email ?? '').split('@')[1] ?? '';
    const contains = await list('persons/', [
      { key: 'email', value: domain.toUpperCase(), operator: 'icontains', type: 'person' },
    ]);
    expect(contains.body.results.length).toBeGreaterThan(0);
    for (const p of contains.body.results)
      expect((p.properties as Record<string, string>).email).toContain(domain);
    const none = await list('persons/', [{ key: 'no_such_prop', operator: 'is_set', type: 'person' }]);
    expect(none.body.results).toEqual([]);
  });

  it('applies event and person filters to events', async () => {
    const name = 'filter_me';
    const person = sandbox.dataset.contacts[0];
    await post(
      '/batch/',
      JSON.stringify({
        api_key: sandbox.posthogProjectToken,
        batch: [
          { event: name, distinct_id: person?.crmId, timestamp: new Date(ANCHOR - 60_000).toISOString() },
          {
            event: name,
            distinct_id: 'filter-1',
            properties: { plan: 'pro', seats: 5 },
            timestamp: new Date(ANCHOR - 60_000).toISOString(),
          },
          {
            event: name,
            distinct_id: 'filter-2',
            properties: { plan: 'free', seats: 1 },
            timestamp: new Date(ANCHOR - 60_000).toISOString(),
          },
        ],
      }),
    );
    const after = new Date(ANCHOR - 3_600_000).toISOString();
    const url = (props: unknown) =>
      `events/?event=${name}&after=${encodeURIComponent(after)}&properties=${encodeURIComponent(JSON.stringify(props))}`;
    const get = async (props: unknown) => {
      const res = await fetch(
        `${sandbox.urls.posthog}/api/projects/${sandbox.credentials.posthogProjectId}/${url(props)}`,
        {
          headers: { authorization: `Bearer ${sandbox.credentials.posthogApiKey}` },
        },
      );
      return ((await res.json()) as { results: { distinct_id: string }[] }).results.map((e) => e.distinct_id);
    };
    expect(await get([{ key: 'plan', value: 'pro' }])).toEqual(['filter-1']);
    expect(await get([{ key: 'seats', value: 2, operator: 'gt', type: 'event' }])).toEqual(['filter-1']);
    expect((await get([{ key: 'plan', value: 'pro', operator: 'is_not' }])).sort()).toEqual(
      [person?.crmId, 'filter-2'].sort(),
    );
    // is_not keeps events without the property, as PostHog does; a person filter reads the properties of the person behind each event's distinct_id.
    expect(await get([{ key: 'email', value: person?.email, type: 'person' }])).toEqual([person?.crmId]);
  });

  it('refuses what it does not simulate with a validation_error naming it, never ignoring the filter', async () => {
    for (const [path, properties, detail] of [
      ['persons/', [{ key: 'x', value: 1, type: 'cohort' }], /type 'cohort'/],
      ['events/', [{ key: 'x', value: '2026-01-01', operator: 'is_date_after' }], /'is_date_after'/],
      ['persons/', [{ key: 'x', value: 1, type: 'event' }], /do not apply/],
      ['events/', { type: 'AND', values: [] }, /flat JSON array/],
      ['events/', [{ key: 'x', value: 1, operator: 'nonsense' }], /not a valid choice/],
    ] as const) {
      const res = await list(path, properties);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        type: 'validation_error',
        attr: 'properties',
        detail: expect.stringMatching(detail),
      });
    }
  });
});
