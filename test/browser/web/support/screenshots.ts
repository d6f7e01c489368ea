import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../../../support/process.ts';

/**
 * The README's pictures of the pages, at a desktop and a phone width, written only when
 * FORMGATE_SCREENSHOTS=1 so that an ordinary run writes nothing into the checkout.
 */

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;
const DIR = join(REPO_ROOT, 'docs', 'screenshots');

export const screenshotsWanted = process.env.FORMGATE_SCREENSHOTS === '1';

/** Saves `docs/screenshots/NAME-desktop.png` and `NAME-phone.png` of what `page` shows now; answers the files written. */
export async function screenshot(page: Page, name: string): Promise<string[]> {
  if (!screenshotsWanted) return [];
  await mkdir(DIR, { recursive: true });
  const before = page.viewportSize() ?? DESKTOP;
  const written: string[] = [];
  try {
    for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      await page.setViewportSize(size);
      const path = join(DIR, `${name}-${label}.png`);
      await page.screenshot({ path, type: 'png', fullPage: false, animations: 'disabled', caret: 'hide' });
      written.push(path);
    }
  } finally {
    await page.setViewportSize(before);
  }
  return written;
}
