import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core; the browser tests skip visibly without it, and fail in CI. */
export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

export function requireChromium(what: string): void {
  if (HAVE_CHROMIUM) return;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is required in CI for the browser tests`);
  console.warn(`\n[mypos-auth tests] ${CHROMIUM} not found: ${what} SKIPPED.\n`);
}

export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh headless profile with the same flags as the other browser tests. */
export async function launchChromium(viewport = { width: 1280, height: 800 }): Promise<LaunchedBrowser> {
  const dir = mkdtempSync(join(tmpdir(), 'mypos-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  context.setDefaultTimeout(20_000);
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
