import type { Page } from 'playwright-core';

/**
 * Moving through a page with the Tab key alone, as a person without a mouse does. Every loop is bounded by
 * the number of presses a page of this size could need.
 */

const MAX_TABS = 60;

/** What has the focus now: its tag, type, the text of its label (or its own text for a button). */
async function focused(page: Page): Promise<{ tag: string; type: string; label: string }> {
  return page.evaluate(() => {
    // Runs in the page; the DOM's types are not part of this (Node) program, hence the narrow shape.
    type Control = { tagName: string; textContent: string | null; getAttribute(name: string): string | null; labels?: { textContent: string | null }[] | null };
    const doc = (globalThis as unknown as { document: { activeElement: Control | null; body: unknown } }).document;
    const el = doc.activeElement;
    if (el === null || el === doc.body) return { tag: 'body', type: '', label: '' };
    const label = el.labels?.[0]?.textContent ?? el.textContent ?? '';
    return { tag: el.tagName.toLowerCase(), type: el.getAttribute('type') ?? '', label: label.replace(/\s+/g, ' ').trim() };
  });
}

/** Presses Tab until the focused control's label contains `label`; throws after too many presses. */
export async function tabToField(page: Page, label: string): Promise<void> {
  for (let i = 0; i < MAX_TABS; i += 1) {
    const now = await focused(page);
    if (now.tag !== 'button' && now.label.includes(label)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached the field labelled "${label}" in ${MAX_TABS} presses`);
}

/** Presses Tab until a submit button whose text matches `name` has the focus. */
export async function tabToButton(page: Page, name: RegExp): Promise<void> {
  for (let i = 0; i < MAX_TABS; i += 1) {
    const now = await focused(page);
    if (now.tag === 'button' && name.test(now.label)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached a button named ${name} in ${MAX_TABS} presses`);
}
