import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { ContactRecord } from '../../sandbox/data/dataset.js';
import type { RunningSandbox } from '../../sandbox/index.js';
import type { Concord } from '../../src/app.js';
import { allowLoopbackOnly, launchChromium, type HeadlessChromium } from '../support/chromium.js';
import { REPO_ROOT } from '../support/codegen-check.js';
import { toGlobalId } from '../../src/relay/global-ids.js';
import { postQuery, startTestConcord } from '../support/stack.js';
import { untilSubscribed } from '../support/subscribe.js';

/** Screenshots land here (git-ignored), for a person to look at after the run. */
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** Building the bundle, starting Chromium and parsing ~5 MB of script take a few seconds each. */
const BROWSER_TIMEOUT_MS = 120_000;

/** Monaco draws text with non-breaking spaces; compare plain text. */
const plain = (text: string) => text.replace(/\u00a0/g, ' ');

async function editorText(page: Page, container: string): Promise<string> {
  return plain(await page.locator(`${container} .view-lines`).first().innerText());
}

describe('GraphiQL served by Concord, in headless Chromium with the network cut off', () => {
  let concord: Concord;
  let sandbox: RunningSandbox;
  let browser: HeadlessChromium;
  let page: Page;
  /** Every request the page tried to send anywhere but Concord (all aborted). */
  const blocked: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // The sandbox's own development secret (JWT_SECRET empty), so there is a development token for
    // GraphiQL to pre-fill: the page's queries and introspection carry it, as a developer's would.
    concord = await startTestConcord({ GRAPHIQL: 'true', JWT_SECRET: '' });
    if (!concord.connected.sandbox) throw new Error('this test runs against the sandbox');
    sandbox = concord.connected.sandbox;
    browser = await launchChromium();
    const origin = new URL(concord.gateway.url).origin;
    await allowLoopbackOnly(browser.context, blocked);
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${origin}/graphiql`);
    await page.locator('.graphiql-query-editor .monaco-editor').waitFor({ timeout: 60_000 });
  }, BROWSER_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await concord?.stop();
  });

  it(
    'runs a typed-in query and shows the data set’s answer in the result pane',
    async () => {
      const contact = sandbox.dataset.contacts[2] as ContactRecord;
      const query = `{ customer(email: "${contact.email}") { name email jobTitle } }`;
      await page.locator('.graphiql-query-editor .monaco-editor').click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      // insertText, not type: Monaco would auto-close every brace typed key by key.
      await page.keyboard.insertText(query);
      expect(await editorText(page, '.graphiql-query-editor')).toContain(contact.email);

      await page.locator('.graphiql-execute-button').click();
      await page
        .locator('.graphiql-response .view-lines', { hasText: contact.email })
        .first()
        .waitFor({ timeout: 30_000 });
      const shown = await editorText(page, '.graphiql-response');
      expect(shown).toContain(`"name": "${contact.firstName} ${contact.lastName}"`);
      expect(shown).toContain(`"jobTitle": "${contact.jobTitle}"`);
      expect(shown).not.toContain('"errors"');

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'graphiql-query.png') });
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'opens the docs explorer on the schema from introspection',
    async () => {
      await page.locator('button[aria-label="Show Documentation Explorer"]').click();
      const docs = page.locator('.graphiql-doc-explorer');
      await docs
        .locator('.graphiql-doc-explorer-root-type', { hasText: 'Query' })
        .waitFor({ timeout: 30_000 });
      await docs.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).click();
      await docs
        .locator('.graphiql-doc-explorer-field-name', { hasText: /^customers$/ })
        .first()
        .waitFor();
      expect(await docs.innerText()).toContain('CustomerConnection');

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'graphiql-docs.png') });
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'runs a subscription over WebSocket and shows the event a refund causes',
    async () => {
      const charge = sandbox.dataset.charges.find(
        (c) => c.status === 'succeeded' && c.amountRefunded === 0 && c.currency === 'usd',
      );
      const id = toGlobalId('Payment', charge?.stripeId as string);
      await page.locator('.graphiql-query-editor .monaco-editor').click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      await page.keyboard.insertText(
        `subscription { paymentUpdated(id: "${id}") { status amountRefunded { amount } } }`,
      );
      await page.locator('.graphiql-execute-button').click();
      await untilSubscribed(new URL(concord.gateway.url).origin, 1, 30_000);

      const refund = await postQuery(
        concord.gateway,
        'mutation ($input: RefundPaymentInput!) { refundPayment(input: $input) { userErrors { code } } }',
        { input: { paymentId: id, amount: { amount: '1.50', currency: 'USD' } } },
      );
      expect(refund.errors).toBeUndefined();
      await page
        .locator('.graphiql-response .view-lines', { hasText: 'PARTIALLY_REFUNDED' })
        .first()
        .waitFor({ timeout: 30_000 });
      expect(await editorText(page, '.graphiql-response')).toContain('"amount": "1.50"');
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'graphiql-subscription.png') });
      // The execute button stops a running subscription.
      await page.locator('.graphiql-execute-button').click();
    },
    BROWSER_TIMEOUT_MS,
  );

  it('needed nothing but Concord: no request left loopback, and the page threw nothing', () => {
    expect(blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

describe('GraphiQL for a browser asking /graphql for HTML', () => {
  let concord: Concord;

  beforeAll(async () => {
    concord = await startTestConcord({ GRAPHIQL: 'true', JWT_SECRET: '' });
  });
  afterAll(async () => {
    await concord.stop();
  });

  it('serves the same self-contained page, with only same-origin assets', async () => {
    const res = await fetch(concord.gateway.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<div id="graphiql">');
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls).toEqual(['/graphiql/assets/graphiql.css', '/graphiql/assets/graphiql.js']);
    expect(html).toContain("default-src 'self'");
  });

  it('serves the bundle (script, stylesheet, Monaco workers) from memory', async () => {
    const origin = new URL(concord.gateway.url).origin;
    for (const [file, type] of [
      ['graphiql.js', 'text/javascript'],
      ['graphiql.css', 'text/css'],
      ['editor.worker.js', 'text/javascript'],
      ['json.worker.js', 'text/javascript'],
      ['graphql.worker.js', 'text/javascript'],
    ] as const) {
      const res = await fetch(`${origin}/graphiql/assets/${file}`);
      expect([file, res.status, res.headers.get('content-type')?.split(';')[0]]).toEqual([file, 200, type]);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    expect((await fetch(`${origin}/graphiql/assets/nothing.js`)).status).toBe(404);
  });

  it('pre-fills the header editor with the sandbox development token', async () => {
    const html = await (await fetch(`${new URL(concord.gateway.url).origin}/graphiql`)).text();
    const json = /<script type="application\/json" id="concord-graphiql-config">(.*?)<\/script>/s.exec(
      html,
    )?.[1];
    const config = JSON.parse(json ?? '{}') as { headers: string };
    expect(concord.devToken).toEqual(expect.any(String));
    expect(JSON.parse(config.headers)).toEqual({ Authorization: `Bearer ${concord.devToken}` });
  });
});

describe('GRAPHIQL=false', () => {
  it('serves no page at /graphiql and no landing page at /graphql', async () => {
    const concord = await startTestConcord({ GRAPHIQL: 'false' });
    try {
      const origin = new URL(concord.gateway.url).origin;
      expect((await fetch(`${origin}/graphiql`)).status).toBe(404);
      const res = await fetch(concord.gateway.url, { headers: { accept: 'text/html' } });
      expect(await res.text()).not.toContain('<div id="graphiql">');
    } finally {
      await concord.stop();
    }
  });
});
