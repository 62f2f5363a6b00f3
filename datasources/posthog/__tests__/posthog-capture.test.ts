import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import {
  POSTHOG_PROJECT_TOKEN,
  createPostHogProtocol,
  type CapturedEvent,
} from '../../../sandbox/posthog/index.js';
import { WriteRejectedError } from '../../model.js';
import { ProviderErrorCode } from '../../transport/errors.js';
import type { UpstreamCall } from '../../transport/http-client.js';
import { CAPTURE_ENDPOINT } from '../client.js';
import { CaptureNotConfiguredError, createPostHogAnalytics, type PostHogAnalytics } from '../analytics.js';
import { eventUuid } from '../mapping.js';
import { providerFailure } from '../../../test/support/provider-failure.js';

const credentials = DEFAULT_SANDBOX_CREDENTIALS;
const RFC_9562_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('eventUuid', () => {
  it('is a version 8 UUID that depends only on the key', () => {
    const a = eventUuid('mutation-1');
    expect(a).toMatch(RFC_9562_V8);
    expect(eventUuid('mutation-1')).toBe(a);
    expect(eventUuid('mutation-2')).not.toBe(a);
  });
});

describe('PostHog captureEvent', () => {
  const captured: CapturedEvent[] = [];
  const calls: UpstreamCall[] = [];
  let sim: SimulatorServer;
  let analytics: PostHogAnalytics;

  beforeAll(async () => {
    const dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: Date.UTC(2026, 10, 24) });
    sim = await serveSimulator({
      protocol: createPostHogProtocol({ dataset, credentials }, captured),
      knobs: new KnobBoard(),
      counters: new RequestCounters(),
    });
    analytics = createPostHogAnalytics({
      baseUrl: sim.url,
      apiKey: credentials.posthogApiKey,
      projectId: credentials.posthogProjectId,
      timeoutMs: 5_000,
      onCall: (call) => calls.push(call),
      capture: { baseUrl: sim.url, projectToken: POSTHOG_PROJECT_TOKEN },
    });
  });

  afterAll(async () => {
    await analytics.close();
    await sim.close();
  });

  it('sends one event with the uuid derived from the key, and the same uuid when sent again', async () => {
    const occurredAt = new Date('2026-11-20T10:00:00.000Z');
    const input = { contactId: '42', name: 'plan_upgraded', properties: { plan: 'pro' }, occurredAt };
    const options = { idempotencyKey: 'capture-test-1' };
    const answer = await analytics.captureEvent(input, options);
    expect(answer).toEqual({ id: eventUuid('capture-test-1') });
    expect(captured).toEqual([
      {
        uuid: answer.id,
        event: 'plan_upgraded',
        distinctId: '42',
        properties: { plan: 'pro' },
        timestamp: occurredAt.getTime(),
      },
    ]);
    expect(calls.at(-1)).toMatchObject({ provider: 'posthog', endpoint: CAPTURE_ENDPOINT, status: 200 });
    // A retry carries the same uuid, which PostHog (and the simulator) keeps once.
    const again = await analytics.captureEvent(input, options);
    expect(again.id).toBe(answer.id);
    expect(calls.filter((c) => c.endpoint === CAPTURE_ENDPOINT)).toHaveLength(2);
    expect(captured.filter((e) => e.uuid === answer.id)).toHaveLength(1);
  });

  it('lets PostHog stamp the time when none is given', async () => {
    const before = Date.now();
    await analytics.captureEvent(
      { contactId: '43', name: 'login', properties: {}, occurredAt: null },
      { idempotencyKey: 'capture-test-2' },
    );
    expect(captured.at(-1)?.timestamp).toBeGreaterThanOrEqual(before);
  });

  it('refuses an event without a name before any call', async () => {
    const error = await analytics
      .captureEvent({ contactId: '42', name: ' ', properties: {}, occurredAt: null }, { idempotencyKey: 'k' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteRejectedError);
    expect(error).toMatchObject({ reason: 'INVALID', field: 'name' });
  });

  it('is refused with a typed error when capture is not configured', async () => {
    const readOnly = createPostHogAnalytics({
      baseUrl: sim.url,
      apiKey: credentials.posthogApiKey,
      projectId: credentials.posthogProjectId,
    });
    try {
      const error = await providerFailure(
        readOnly.captureEvent(
          { contactId: '42', name: 'x', properties: {}, occurredAt: null },
          { idempotencyKey: 'k' },
        ),
      );
      expect(error).toBeInstanceOf(CaptureNotConfiguredError);
      expect(error).toMatchObject({
        code: ProviderErrorCode.REJECTED,
        providerCode: 'CAPTURE_NOT_CONFIGURED',
      });
      expect(error.message).toMatch(/capture is not configured/);
    } finally {
      await readOnly.close();
    }
  });

  it('answers a wrong project token as UNAUTHORIZED, not as the client’s fault', async () => {
    const wrong = createPostHogAnalytics({
      baseUrl: sim.url,
      apiKey: credentials.posthogApiKey,
      projectId: credentials.posthogProjectId,
      capture: { baseUrl: sim.url, projectToken: 'phc_wrong' },
    });
    try {
      const error = await providerFailure(
        wrong.captureEvent(
          { contactId: '42', name: 'x', properties: {}, occurredAt: null },
          { idempotencyKey: 'k' },
        ),
      );
      expect(error.code).toBe(ProviderErrorCode.UNAUTHORIZED);
    } finally {
      await wrong.close();
    }
  });
});
