import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium; CHROMIUM_PATH overrides. Playwright's own browser downloads are never used. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** No GPU, no background traffic (updates, sync, safe browsing lists): the test sees every request. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium binary: CHROMIUM_PATH, else /usr/bin/chromium, installed with apt-get when missing
 * and we are root (as CI is); otherwise a one-line instruction. Never skipped.
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;
  if (executable(path)) return path;
  if (env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${path} is not an executable Chromium`);
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Chromium not found at ${path}: install it with \`sudo apt-get install -y chromium\` (or set CHROMIUM_PATH)`,
    );
  }
  process.stderr.write(`chromium: ${path} missing; installing it with apt-get install -y chromium\n`);
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env: aptEnv });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: aptEnv,
  });
  if (!executable(path)) throw new Error(`apt-get installed chromium, but ${path} is still missing`);
  return path;
}

export interface HeadlessChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Lets the page reach loopback only: every other request is aborted and its URL pushed to
 * `blocked`, so a test can assert the page needed nothing from outside (no CDN, no internet).
 */
export async function allowLoopbackOnly(context: BrowserContext, blocked: string[]): Promise<void> {
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).hostname === '127.0.0.1') {
      await route.continue();
    } else {
      blocked.push(url);
      await route.abort('blockedbyclient');
    }
  });
}

/** Headless Chromium with a fresh profile (its own --user-data-dir, removed on close). */
export async function launchChromium(): Promise<HeadlessChromium> {
  const executablePath = chromiumPath();
  const userDataDir = await mkdtemp(join(tmpdir(), 'concord-chromium-'));
  // A persistent context is how Playwright takes a user-data-dir of our choosing.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
