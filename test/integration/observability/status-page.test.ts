import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { allowLoopbackOnly, launchChromium, type HeadlessChromium } from '../../support/chromium.js';
import { REPO_ROOT } from '../../support/codegen-check.js';
import { startTestStack, type TestStack } from '../../support/stack.js';
import { openStripeCircuit, QUICK_STRIPE_CIRCUIT } from './outage.js';
import { originOf } from './support.js';

/** Screenshots land here (git-ignored), for a person to look at after the run. */
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const BROWSER_TIMEOUT_MS = 60_000;

const rowText = (page: Page, provider: string) => page.locator(`tr[data-provider="${provider}"]`).innerText();

describe('/status in headless Chromium during a Stripe outage', () => {
  let stack: TestStack;
  let browser: HeadlessChromium;
  let page: Page;
  /** Requests the page tried to send anywhere but Concord (all aborted), and script or CSP errors. */
  const blocked: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack(QUICK_STRIPE_CIRCUIT);
    browser = await launchChromium();
    await allowLoopbackOnly(browser.context, blocked);
    page = await browser.context.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
  }, BROWSER_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    stack?.sandbox.knobs.reset();
    await stack?.stop();
  });

  it(
    'shows every provider healthy, then, without a reload, Stripe’s circuit OPEN and unavailable',
    async () => {
      const origin = originOf(stack.gateway);
      // Some traffic first, so latencies have something to show.
      expect(
        (await stack.query('{ customers(first: 3) { edges { node { name } } } }')).errors,
      ).toBeUndefined();

      const response = await page.goto(`${origin}/status`);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
      await page.locator('tr[data-provider="stripe"]').waitFor({ timeout: 10_000 });
      for (const provider of ['hubspot', 'stripe', 'posthog']) {
        expect(await rowText(page, provider)).toContain('CLOSED');
        expect(await rowText(page, provider)).toContain('available');
      }
      expect(await rowText(page, 'hubspot')).toMatch(/\d+ ms/);

      await openStripeCircuit(stack);

      // The page polls status.json: the row changes on its own.
      await page.locator('tr[data-provider="stripe"]', { hasText: 'OPEN' }).waitFor({ timeout: 10_000 });
      const stripe = await rowText(page, 'stripe');
      expect(stripe).toContain('unavailable');
      expect(stripe).toMatch(/100\.0 %/);
      expect(await rowText(page, 'hubspot')).toContain('CLOSED');
      expect(await rowText(page, 'posthog')).toContain('CLOSED');

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'status-outage.png'), fullPage: true });
      expect(blocked).toEqual([]);
      // Nothing refused by the page's own CSP, and no script error.
      expect(problems).toEqual([]);
    },
    BROWSER_TIMEOUT_MS,
  );
});
