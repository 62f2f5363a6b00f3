import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ContactRecord } from '../../../sandbox/data/dataset.js';
import { startConcord, type Concord } from '../../../src/app.js';
import { readConfig } from '../../../src/config.js';
import { createLogger, REDACTED } from '../../../src/observability/logger.js';
import { TEST_ANCHOR, TEST_SEED, postQuery } from '../../support/stack.js';
import { TEST_JWT, signTestToken } from '../../support/tokens.js';

const API_KEY = 'ck_live_observability_test_key_5f1d2c9a';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const BY_EMAIL = /* GraphQL */ `
  query CustomerByEmail($email: String!) {
    customer(email: $email) {
      name
      email
    }
  }
`;

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  operation?: string;
  outcome?: string;
  durationMs?: number;
  upstreamCalls?: number;
  stale?: number;
  req?: { headers?: Record<string, string> };
}

describe('logs of a gateway serving credentialed requests', () => {
  let concord: Concord;
  let token: string;
  /** Everything the gateway logged, as written. */
  let captured = '';

  beforeAll(async () => {
    const env = {
      NODE_ENV: 'test',
      CURSOR_SECRET: 'test-cursor-secret-0123456789',
      HOST: '127.0.0.1',
      PORT: '0',
      SANDBOX_SEED: String(TEST_SEED),
      SANDBOX_ANCHOR: TEST_ANCHOR,
      ...TEST_JWT,
      API_KEYS: `logs-test:${sha256(API_KEY)}:crm:read pii:read`,
    };
    // Debug, so the access line with the request headers is written too (and must be redacted).
    const logger = createLogger('debug', {
      write: (line: string) => {
        captured += line;
      },
    });
    concord = await startConcord(readConfig(env), { logger, env });
    token = await signTestToken({ expiresInS: 3600 });
  });

  afterAll(async () => {
    await concord?.stop();
  });

  it('never holds the token, the API key or the customer’s email, and has the operation line by request id', async () => {
    const sandbox = concord.connected.sandbox;
    if (!sandbox) throw new Error('this test runs against the sandbox');
    const contact = sandbox.dataset.contacts[4] as ContactRecord;

    const withToken = await postQuery<{ customer: { email: string } | null }>(
      concord.gateway,
      BY_EMAIL,
      { email: contact.email },
      { token, headers: { 'x-request-id': 'logs-bearer-1', cookie: `session=${token}` } },
    );
    expect(withToken.errors).toBeUndefined();
    expect(withToken.data?.customer?.email).toBe(contact.email);
    const withKey = await postQuery<{ customer: { email: string } | null }>(
      concord.gateway,
      BY_EMAIL,
      { email: contact.email },
      { token: null, headers: { 'x-request-id': 'logs-api-key-1', 'x-api-key': API_KEY } },
    );
    expect(withKey.errors).toBeUndefined();
    expect(withKey.data?.customer?.email).toBe(contact.email);

    // The access line is written once the response is finished: wait for the second one.
    const deadline = Date.now() + 2_000;
    while (!captured.includes('logs-api-key-1","req"') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    expect(captured).not.toContain(token);
    expect(captured).not.toContain(API_KEY);
    expect(captured).not.toContain(contact.email);
    expect(captured.toLowerCase()).not.toContain(contact.email.toLowerCase());

    const lines = captured
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as LogLine);
    const operationLine = (requestId: string) => {
      const found = lines.filter((l) => l.msg === 'graphql operation' && l.requestId === requestId);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ operation: 'CustomerByEmail', outcome: 'ok', stale: 0 });
      expect(typeof found[0]?.durationMs).toBe('number');
      return found[0];
    };
    // The first asked HubSpot; the second, the same contact again, came from the cache.
    expect(operationLine('logs-bearer-1')?.upstreamCalls).toBeGreaterThan(0);
    expect(operationLine('logs-api-key-1')?.upstreamCalls).toBe(0);
    // The headers were logged, with each credential replaced.
    const access = lines.filter((l) => l.msg === 'http request' && l.req?.headers);
    const bearer = access.find((l) => l.requestId === 'logs-bearer-1');
    expect(bearer?.req?.headers).toMatchObject({ authorization: REDACTED, cookie: REDACTED });
    const keyed = access.find((l) => l.requestId === 'logs-api-key-1');
    expect(keyed?.req?.headers).toMatchObject({ 'x-api-key': REDACTED });
  });
});
