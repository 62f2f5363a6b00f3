import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PostHog } from 'posthog-node';
import { startSandbox, type RunningSandbox } from '../../../../sandbox/index.js';

// The calls posthog-node's README shows, beyond capture, against the twin.

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 7, anchor: Date.UTC(2026, 10, 24) });
});

afterAll(async () => {
  await sandbox.stop();
});

function client(options: { personalApiKey?: string } = {}): PostHog {
  return new PostHog(sandbox.posthogProjectToken, {
    host: sandbox.urls.posthog,
    flushAt: 1,
    flushInterval: 0,
    fetchRetryCount: 0,
    featureFlagsPollingInterval: 60_000,
    ...options,
  });
}

async function defineFlag(key: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sandbox.urls.posthog}/__sandbox/feature-flags/${key}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

/** PostHog's own bucketing, computed here independently of the twin. */
function inRollout(key: string, distinctId: string, percentage: number): boolean {
  const hex = createHash('sha1').update(`${key}.${distinctId}`).digest('hex');
  return parseInt(hex.slice(0, 15), 16) / 2 ** 60 <= percentage / 100;
}

const capturedNamed = (name: string) => sandbox.captured.filter((e) => e.event === name);

describe('alias and groupIdentify', () => {
  it('arrive as the $create_alias and $groupidentify events PostHog receives, and are seen by HogQL', async () => {
    const posthog = client();
    posthog.alias({ distinctId: 'readme-user', alias: 'readme-anonymous-id' });
    posthog.groupIdentify({ groupType: 'company', groupKey: 'acme', properties: { plan: 'enterprise' } });
    await posthog.shutdown();

    const alias = capturedNamed('$create_alias').find((e) => e.distinctId === 'readme-user');
    expect(alias?.properties).toMatchObject({ distinct_id: 'readme-user', alias: 'readme-anonymous-id' });
    const group = capturedNamed('$groupidentify').find((e) => e.properties.$group_key === 'acme');
    expect(group?.properties).toMatchObject({
      $group_type: 'company',
      $group_key: 'acme',
      $group_set: { plan: 'enterprise' },
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
          query: {
            kind: 'HogQLQuery',
            query:
              "select event, count() from events where event in ('$create_alias', '$groupidentify') group by event order by event",
          },
        }),
      },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { results: unknown[] }).results).toEqual([
      ['$create_alias', 1],
      ['$groupidentify', 1],
    ]);
  });
});

describe('person processing for a known person', () => {
  const persons = async (query: string) => {
    const res = await fetch(
      `${sandbox.urls.posthog}/api/projects/${sandbox.credentials.posthogProjectId}/persons/?${query}`,
      { headers: { authorization: `Bearer ${sandbox.credentials.posthogApiKey}` } },
    );
    expect(res.status).toBe(200);
    return (
      (await res.json()) as { results: { distinct_ids: string[]; properties: Record<string, unknown> }[] }
    ).results;
  };

  it('alias links the new id to the person, identify and $set/$set_once/$unset change its properties', async () => {
    const [person] = await persons('limit=1');
    const known = person?.distinct_ids[0] ?? '';
    const posthog = client();
    posthog.alias({ distinctId: known, alias: 'readme-device-42' });
    posthog.identify({ distinctId: known, properties: { plan: 'pro', seats: 5 } });
    posthog.capture({
      distinctId: 'readme-device-42',
      event: 'settings changed',
      properties: { $set_once: { first_plan: 'pro', plan: 'never' }, $unset: ['seats'] },
    });
    await posthog.shutdown();

    const [byAlias] = await persons('distinct_id=readme-device-42');
    expect(byAlias?.distinct_ids).toEqual([known, 'readme-device-42']);
    expect(byAlias?.properties).toMatchObject({ plan: 'pro', first_plan: 'pro' });
    expect(byAlias?.properties).not.toHaveProperty('seats');
    expect(
      await persons(
        'properties=' + encodeURIComponent(JSON.stringify([{ key: 'plan', value: 'pro', type: 'person' }])),
      ),
    ).toEqual([expect.objectContaining({ distinct_ids: [known, 'readme-device-42'] })]);
  });
});

describe('feature flags', () => {
  it('a project without flags: /flags answers none, so the library reports no flags and no value for a key', async () => {
    const posthog = client();
    expect(await posthog.getAllFlags('nobody-flagged')).toEqual({});
    // As against PostHog: a key /flags does not return is undefined, not false.
    expect(await posthog.isFeatureEnabled('no-such-flag', 'nobody-flagged')).toBeUndefined();
    const snapshot = await posthog.evaluateFlags('nobody-flagged');
    expect(snapshot.isEnabled('no-such-flag')).toBe(false);
    await posthog.shutdown();
  });

  it('evaluates remotely as PostHog buckets: on for the rollout share, payloads for those it is on for', async () => {
    await defineFlag('readme-everyone', { payload: { colour: 'blue' } });
    await defineFlag('readme-half', { rolloutPercentage: 50 });
    await defineFlag('readme-off', { active: false });
    const posthog = client();
    const ids = Array.from({ length: 40 }, (_, i) => `flag-user-${i}`);
    let halfOn = 0;
    for (const id of ids) {
      const all = await posthog.getAllFlags(id);
      expect(Object.keys(all).sort()).toEqual(['readme-everyone', 'readme-half']);
      expect(all['readme-everyone']).toBe(true);
      expect(all['readme-half']).toBe(inRollout('readme-half', id, 50));
      if (all['readme-half']) halfOn += 1;
    }
    expect(halfOn).toBeGreaterThan(0);
    expect(halfOn).toBeLessThan(ids.length);
    // An inactive flag is left out of /flags, so the library has no value for it.
    expect(await posthog.isFeatureEnabled('readme-off', 'flag-user-0')).toBeUndefined();
    const onFor = ids.find((id) => inRollout('readme-half', id, 50)) ?? '';
    const snapshot = await posthog.evaluateFlags(onFor);
    expect(snapshot.isEnabled('readme-half')).toBe(true);
    expect(snapshot.isEnabled('readme-everyone')).toBe(true);
    expect(await posthog.getFeatureFlagPayload('readme-everyone', 'flag-user-0')).toEqual({ colour: 'blue' });
    await posthog.shutdown();
    // The library reports each evaluation it was asked for as PostHog's $feature_flag_called event.
    expect(
      capturedNamed('$feature_flag_called').some(
        (e) => e.properties.$feature_flag === 'readme-off' && e.distinctId === 'flag-user-0',
      ),
    ).toBe(true);
  });

  it('evaluates locally from /flags/definitions with a personal key, agreeing with remote evaluation', async () => {
    await defineFlag('readme-local', { rolloutPercentage: 30 });
    const local = client({ personalApiKey: sandbox.credentials.posthogApiKey });
    expect(await local.waitForLocalEvaluationReady(5_000)).toBe(true);
    const remote = client();
    const before = sandbox.counters.snapshot().byEndpoint.posthog['POST /flags/'] ?? 0;
    for (const id of Array.from({ length: 20 }, (_, i) => `local-user-${i}`)) {
      const locally = await local.getFeatureFlag('readme-local', id, { onlyEvaluateLocally: true });
      expect(locally).toBe(inRollout('readme-local', id, 30));
      expect(await remote.getFeatureFlag('readme-local', id)).toBe(locally);
    }
    const remoteCalls = (sandbox.counters.snapshot().byEndpoint.posthog['POST /flags/'] ?? 0) - before;
    expect(remoteCalls).toBe(20);
    await Promise.all([local.shutdown(), remote.shutdown()]);
  });

  it("refuses an unknown project token with PostHog's 401, which the library reports as no flags", async () => {
    const res = await fetch(`${sandbox.urls.posthog}/flags/?v=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'phc_unknown', distinct_id: 'x' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    const wrong = new PostHog('phc_unknown', { host: sandbox.urls.posthog, fetchRetryCount: 0 });
    wrong.on('error', () => undefined);
    expect(await wrong.getAllFlags('x')).toEqual({});
    await wrong.shutdown();
  });
});
