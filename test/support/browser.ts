import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core: never a downloaded browser. `.ci/run` installs the
 * package when /usr/bin/chromium is missing.
 */
export const CHROMIUM = process.env.FORMGATE_TEST_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set FORMGATE_TEST_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 30_000 });
}
