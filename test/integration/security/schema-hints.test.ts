import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Concord } from '../../../src/app.js';
import { postQuery, startTestConcord } from '../../support/stack.js';
import { subscribe } from '../../support/subscribe.js';
import { signTestToken } from '../../support/tokens.js';

/** Mistakes whose graphql-js message suggests a name the schema has: field, enum value, input field. */
const TYPO_FIELD = '{ customr(id: "x") { id } }';
const TYPO_ENUM = 'query ($s: PaymentStatus) { payments(first: 1, status: $s) { totalCount } }';
const TYPO_INPUT = `mutation ($i: RefundPaymentInput!) { refundPayment(input: $i) { clientMutationId } }`;

async function messages(concord: Concord): Promise<string[]> {
  const answers = await Promise.all([
    postQuery(concord.gateway, TYPO_FIELD),
    postQuery(concord.gateway, TYPO_ENUM, { s: 'SUCCEDED' }),
    postQuery(concord.gateway, TYPO_INPUT, { i: { paymentID: 'x', paymentId: 'y', clientMutationId: 'a' } }),
  ]);
  return answers.map((a) => {
    expect(a.errors?.length).toBeGreaterThan(0);
    return (a.errors ?? []).map((e) => e.message).join('\n');
  });
}

describe('"Did you mean" hints', () => {
  let production: Concord;
  let development: Concord;

  beforeAll(async () => {
    [production, development] = await Promise.all([
      startTestConcord({ NODE_ENV: 'production', ADMIN_PORT: '0' }),
      startTestConcord({ NODE_ENV: 'development' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([production?.stop(), development?.stop()]);
  });

  it('are hidden in production, from validation and variable coercion errors alike', async () => {
    const [field, enumValue, inputField] = await messages(production);
    expect(field).toBe('Cannot query field "customr" on type "Query".');
    expect(enumValue).toContain('Value "SUCCEDED" does not exist in "PaymentStatus" enum.');
    expect(inputField).toContain('Field "paymentID" is not defined by type "RefundPaymentInput".');
    for (const message of [field, enumValue, inputField]) expect(message).not.toMatch(/Did you mean/);
  });

  it('are hidden over WebSocket in production too', async () => {
    const sub = subscribe<unknown>(
      production.gateway.url,
      'subscription { paymentUpdatd { id } }',
      {},
      await signTestToken({ expiresInS: 600 }),
    );
    await expect(sub.next(1, 5_000)).rejects.toThrow(/Cannot query field/);
    expect(JSON.stringify(sub.failure())).not.toMatch(/Did you mean/);
    await sub.close();
  });

  it('are shown in development, where introspection is public anyway', async () => {
    const [field, enumValue, inputField] = await messages(development);
    expect(field).toBe(
      'Cannot query field "customr" on type "Query". Did you mean "customer" or "customers"?',
    );
    expect(enumValue).toContain('Did you mean the enum value "SUCCEEDED"?');
    expect(inputField).toContain('Did you mean "paymentId"?');
  });
});
