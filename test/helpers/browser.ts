/// <reference lib="dom" />
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium (`.ci/run` installs the `chromium` package when it is missing). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of every page the browser tests visit, at phone and desktop widths (git-ignored). */
export const SCREENSHOT_DIR = path.resolve(__dirname, '../../test-artifacts/screenshots');
export const WIDTHS = { phone: 375, desktop: 1280 } as const;

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Chromium with a new, empty profile: headless, sandbox off (tests run as root), and without the background
 * services (updates, sync, field trials) that would otherwise try to reach the network.
 */
export async function launchBrowser(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tsa-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: WIDTHS.phone, height: 800 },
    // The pages run under their real Content-Security-Policy (axe-core goes in through the DevTools protocol, which
    // the policy does not govern); whatever it refuses is kept and fails the page's check.
  });
  context.on('console', (message) => {
    const page = message.page();
    if (page && /Content[- ]Security[- ]Policy/i.test(message.text())) refusedByPolicy(page).push(message.text());
  });
  // Waits are on what the page shows; a machine under load may take a while to show it.
  context.setDefaultTimeout(90_000);
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

const refusals = new WeakMap<Page, string[]>();
/** What the page's Content-Security-Policy refused so far (scripts, styles, connections). */
export function refusedByPolicy(page: Page): string[] {
  let list = refusals.get(page);
  if (!list) refusals.set(page, (list = []));
  return list;
}

/** axe-core's WCAG 2.1 A and AA rules on the page as it is now: no violation, each named when one is found. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  // Evaluated as a script by the DevTools protocol: the page's policy (no eval, scripts from 'self' only) allows it.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(
    async ({ tags }) => {
      const axe = (
        window as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: unknown[] }> } }
      ).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
      return result.violations.map((v) => {
        const violation = v as { id: string; help: string; nodes: { target: string[] }[] };
        return `${violation.id}: ${violation.help} (${violation.nodes.map((n) => n.target.join(' ')).join(', ')})`;
      });
    },
    { tags: WCAG_21_AA },
  );
  expect(violations, `axe-core on ${what} (${WCAG_21_AA.join(', ')})`).toEqual([]);
}

/** The page at 375 px and at 1280 px wide, full length, into `test-artifacts/screenshots/{name}-{width}.png`. */
export async function screenshots(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const before = page.viewportSize() ?? { width: WIDTHS.phone, height: 800 };
  for (const width of Object.values(WIDTHS)) {
    await page.setViewportSize({ width, height: 800 });
    // Nothing may be wider than the screen: a phone user would have to scroll sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} at ${width} px scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(before);
}

/** The checks every page of a journey gets: nothing refused by its policy, accessible, no sideways scroll. */
export async function checkPage(page: Page, name: string): Promise<void> {
  expect(refusedByPolicy(page), `what the Content-Security-Policy refused on ${name}`).toEqual([]);
  await expectAccessible(page, name);
  await screenshots(page, name);
}
