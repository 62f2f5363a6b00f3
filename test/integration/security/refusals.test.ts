import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Concord } from '../../../src/app.js';
import { ErrorCode } from '../../../src/errors/concord-error.js';
import { queryHeaders } from '../../support/stack.js';
import { signTestToken } from '../../support/tokens.js';
import { ERROR_LEVEL, startLoggedConcord, type LogLine } from './support.js';

/**
 * Every refusal is JSON with a public code from the schema's ErrorCode enum, in development too
 * (where express's own pages showed stacks and file paths), and logs nothing at error level.
 */
describe('refusals in development', () => {
  let concord: Concord;
  let logs: LogLine[];
  let url: string;
  let headers: Record<string, string>;

  beforeAll(async () => {
    ({ concord, logs } = await startLoggedConcord({ NODE_ENV: 'development' }));
    url = concord.gateway.url;
    headers = queryHeaders(concord.gateway, { token: await signTestToken({ expiresInS: 600 }) });
  });
  afterAll(async () => {
    await concord?.stop();
  });

  async function refusal(
    res: Response,
  ): Promise<{ status: number; code: unknown; message: unknown; type: string | null }> {
    const type = res.headers.get('content-type');
    const text = await res.text();
    expect(text).not.toMatch(/<html|<pre>|node_modules|\.ts:\d+|\.js:\d+|at \w+ \(/);
    const body = JSON.parse(text) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors).toHaveLength(1);
    const [error] = body.errors;
    expect(Object.values(ErrorCode)).toContain(error?.extensions.code);
    return { status: res.status, code: error?.extensions.code, message: error?.message, type };
  }

  const post = (body: string | Buffer, extra: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { ...headers, ...extra }, body });

  it('answers a body over MAX_BODY_BYTES with 413 PAYLOAD_TOO_LARGE', async () => {
    const answer = await refusal(
      await post(JSON.stringify({ query: `{ __typename }${' '.repeat(200_000)}` })),
    );
    expect(answer).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(answer.type).toMatch(/^application\/json/);
  });

  it('answers an unknown charset or encoding with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const charset = await post('{}', { 'content-type': 'application/json; charset=latin-9' });
    expect(await refusal(charset)).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    const encoding = await post('{}', { 'content-encoding': 'compress' });
    expect(await refusal(encoding)).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('answers a body that is not JSON, or not gzip as it claims, with 400 BAD_REQUEST', async () => {
    expect(await refusal(await post('{"query":'))).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    const corrupt = await post('not gzip at all', { 'content-encoding': 'gzip' });
    expect(await refusal(corrupt)).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
  });

  it('answers 40,000-deep JSON with 400 BAD_USER_INPUT, in a POST body and in GET variables', async () => {
    const deep = `${'['.repeat(40_000)}${']'.repeat(40_000)}`;
    const body = `{"query":"mutation ($i: TrackEventInput!) { trackEvent(input: $i) { clientMutationId } }","variables":{"i":{"customerId":"x","name":"e","properties":${deep}}}}`;
    expect(await refusal(await post(body))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    const getDeep = `${'['.repeat(1_000)}${']'.repeat(1_000)}`;
    const get = await fetch(
      `${url}?query=${encodeURIComponent('{ __typename }')}&variables=${encodeURIComponent(`{"v":${getDeep}}`)}`,
      { headers: { ...headers, 'apollo-require-preflight': 'true' } },
    );
    expect(await refusal(get)).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  });

  it('answers an APQ hash that does not match its document with 400 BAD_REQUEST', async () => {
    const query = '{ __typename }';
    const wrong = createHash('sha256').update('something else').digest('hex');
    const res = await post(
      JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash: wrong } } }),
    );
    expect(await refusal(res)).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
  });

  it('answers a subscription sent over HTTP with 400 BAD_REQUEST naming the WebSocket URL', async () => {
    const res = await post(JSON.stringify({ query: 'subscription { paymentUpdated { id } }' }));
    const answer = await refusal(res);
    expect(answer).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(answer.message).toContain(`ws://${new URL(url).host}/graphql`);
  });

  it('answers an unknown path with 404 NOT_FOUND', async () => {
    const res = await fetch(new URL('/nothing-here', url), { method: 'POST' });
    expect(await refusal(res)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('logged none of these at error level, and still answers queries', async () => {
    expect(logs.filter((l) => l.level >= ERROR_LEVEL)).toEqual([]);
    const res = await post(JSON.stringify({ query: '{ providers { name } }' }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { providers: unknown[] } }).data.providers).toHaveLength(3);
  });
});
