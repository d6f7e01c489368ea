import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditor, type Auditor } from './support/axe.ts';
import {
  clickAndWait, documentIdOf, field, fillExpense, mainText, NAV_TIMEOUT_MS, pressAndWait, signIn, signInLink, signOutButton,
  skipBrowserChecks, submitButton, submitLogin, WRONG_CREDENTIALS,
} from './support/flows.ts';
import { tabToButton, tabToField } from './support/keyboard.ts';
import { DESKTOP, screenshot } from './support/screenshots.ts';
import { startStackAndBrowser, type Stack } from './support/stack.ts';
import { recordExposures, type TokenScan } from './support/token-scan.ts';

/**
 * Alice's day with the web client, in Chromium, against a real Formgate and the example identity service:
 * sign in through the login page, an expense report from a first mistake to its history, a second tab's
 * change meeting the first tab's save. Every page she sees is scanned with axe-core, and her whole session
 * is searched for her tokens. The steps run in order and build on each other.
 */

const EXPENSES = '/forms/expense-report';
const REPORT = { employeeId: 'AB12345', spentOn: '2026-11-20', amount: '42.5', category: 'travel', notes: 'Train to the customer' };

let stack: Stack;
let browser: Browser;
let audit: Auditor;
let alice: BrowserContext;
let exposures: TokenScan;
let page: Page;
let documentPath = '';

beforeAll(async () => {
  ({ stack, browser } = await startStackAndBrowser());
  audit = await auditor(browser);
  alice = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
  exposures = recordExposures(alice);
  page = await alice.newPage();
  page.setDefaultTimeout(NAV_TIMEOUT_MS);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('alice in the web client', { timeout: 60_000 }, () => {
  it('a wrong password gets the generic message on the login page; the right one brings her back signed in', async () => {
    await page.goto(`${stack.url}/`);
    await audit.scan(page, 'forms list, signed out');
    await clickAndWait(page, signInLink(page));
    expect(new URL(page.url()).origin).toBe(new URL(stack.idp.url).origin);
    await audit.scan(page, 'login page');

    const wrong = await submitLogin(page, 'alice', 'not-her-password');
    expect(wrong?.status()).toBe(400);
    const said = await page.getByRole('alert').innerText();
    expect(said).toMatch(WRONG_CREDENTIALS);
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    await audit.scan(page, 'login page, wrong password');
    // A name that does not exist gets the very same words: the page never says which one was wrong.
    await submitLogin(page, 'nobody-by-that-name', 'whatever-password');
    expect(await page.getByRole('alert').innerText()).toBe(said);

    await submitLogin(page, 'alice', 'alice-password');
    await signOutButton(page).waitFor();
    expect(new URL(page.url()).origin).toBe(stack.url);
    expect(await page.locator('header').innerText()).toMatch(/Alice Example|alice/);
  });

  it('the forms list shows the forms she may use, with their descriptions', async () => {
    await page.goto(`${stack.url}/`);
    const text = await mainText(page);
    for (const title of ['Expense report', 'Contact request', 'Event registration']) expect(text).toContain(title);
    expect(text).toContain('Claim back money you spent on behalf of the company.');
    await audit.scan(page, 'forms list');
    await screenshot(page, 'forms-list');
  });

  it('a bad employee id: the browser refuses it, and the server error is shown next to the field and in a summary linking to it', async () => {
    await page.goto(`${stack.url}${EXPENSES}/new`);
    await audit.scan(page, 'fill in');
    await fillExpense(page, { ...REPORT, employeeId: 'ab123' });
    const employeeId = field(page, 'Employee ID');
    // The page carries the server's rule as the field's pattern, so the browser stops the form first …
    expect(await employeeId.evaluate((el) => (el as unknown as { validity: { patternMismatch: boolean } }).validity.patternMismatch)).toBe(true);
    await submitButton(page).click();
    expect(new URL(page.url()).pathname).toBe(`${EXPENSES}/new`);
    // … and where that check does not run, the server's 422 comes back as a page.
    await skipBrowserChecks(page);
    const answer = await clickAndWait(page, submitButton(page));
    expect(answer?.status()).toBe(422);

    const inputId = await employeeId.getAttribute('id');
    expect(inputId).toBeTruthy();
    const summary = page.getByRole('alert').filter({ has: page.locator(`a[href="#${inputId}"]`) });
    expect(await summary.count()).toBe(1);
    // At the top: above the form's heading and fields.
    const [summaryBox, formBox] = await Promise.all([summary.boundingBox(), page.locator('main form[method="post"]').last().boundingBox()]);
    expect(summaryBox!.y + summaryBox!.height).toBeLessThanOrEqual(formBox!.y);
    const link = summary.locator(`a[href="#${inputId}"]`);
    const linkText = (await link.innerText()).trim();
    expect(linkText).toMatch(/Employee ID/);

    expect(await employeeId.getAttribute('aria-invalid')).toBe('true');
    const describedBy = ((await employeeId.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
    const described = await Promise.all(describedBy.map((id) => page.locator(`[id="${id}"]`).innerText()));
    expect(described.join(' ')).toContain(linkText);
    // Only that field is marked; everything she typed is still there.
    expect(await page.locator('[aria-invalid="true"]').count()).toBe(1);
    expect(await employeeId.inputValue()).toBe('ab123');
    expect(await field(page, 'Date of purchase').inputValue()).toBe(REPORT.spentOn);
    expect(await field(page, 'Amount').inputValue()).toBe(REPORT.amount);
    expect(await field(page, 'Category').inputValue()).toBe(REPORT.category);
    expect(await field(page, 'Notes').inputValue()).toBe(REPORT.notes);
    await audit.scan(page, 'fill in, with errors');
    await screenshot(page, 'fill-in-errors');

    await link.click();
    expect(new URL(page.url()).hash).toBe(`#${inputId}`);
  });

  it('fixed, the report is created and confirmed, listed, and opens', async () => {
    expect(await field(page, 'Employee ID').count(), 'the fill-in page with errors from the step above').toBe(1);
    await field(page, 'Employee ID').fill(REPORT.employeeId);
    const created = await clickAndWait(page, submitButton(page));
    expect(created?.status()).toBe(200);
    documentPath = new URL(page.url()).pathname;
    const id = documentIdOf(page.url());
    expect(documentPath).toBe(`${EXPENSES}/documents/${id}`);
    expect(await page.getByRole('status').innerText()).toMatch(/created|sent|saved|received/i);
    const text = await mainText(page);
    for (const value of [REPORT.employeeId, REPORT.notes, 'travel']) expect(text).toContain(value);
    await audit.scan(page, 'document, just created');

    await page.goto(`${stack.url}${EXPENSES}/documents`);
    const row = page.locator(`main a[href^="${documentPath}"]`).first();
    expect(await row.count()).toBe(1);
    await audit.scan(page, 'documents list');
    await clickAndWait(page, row);
    expect(new URL(page.url()).pathname).toBe(documentPath);
    expect(await mainText(page)).toContain(REPORT.employeeId);
  });

  it('edit: a change made in a second tab meanwhile makes the first tab\'s save a 412 page, and applying again saves', async () => {
    expect(documentPath, 'the report the steps above create').not.toBe('');
    await page.goto(`${stack.url}${documentPath}`);
    await clickAndWait(page, page.getByRole('link', { name: /^edit/i }).first());
    expect(await field(page, 'Employee ID').inputValue()).toBe(REPORT.employeeId);
    expect(await field(page, 'Notes').inputValue()).toBe(REPORT.notes);
    await audit.scan(page, 'edit');

    const second = await alice.newPage();
    await second.goto(page.url());
    await field(second, 'Amount').fill('99');
    const saved = await clickAndWait(second, submitButton(second));
    expect(saved?.status()).toBe(200);
    expect(await mainText(second)).toContain('99');
    await second.close();

    await field(page, 'Notes').fill('Taxi from the airport');
    const stale = await clickAndWait(page, submitButton(page));
    expect(stale?.status()).toBe(412);
    const text = await mainText(page);
    // What is saved now beside what she wanted, for the field she changed …
    expect(text).toContain(REPORT.notes);
    expect(text).toContain('Taxi from the airport');
    // … and the form to apply it again holds her change on top of the other tab's.
    expect(await field(page, 'Amount').inputValue()).toBe('99');
    expect(await field(page, 'Notes').inputValue()).toBe('Taxi from the airport');
    await audit.scan(page, 'edit, changed meanwhile (412)');
    await screenshot(page, 'edit-conflict-412');

    const applied = await clickAndWait(page, submitButton(page));
    expect(applied?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe(documentPath);
    expect(await mainText(page)).toContain('Taxi from the airport');
    await audit.scan(page, 'document, saved after the 412');
    // Her change was the notes: applying it again must not undo the other tab's amount.
    await clickAndWait(page, page.getByRole('link', { name: /^edit/i }).first());
    expect(await field(page, 'Amount').inputValue()).toBe('99');
    expect(await field(page, 'Notes').inputValue()).toBe('Taxi from the airport');
  });

  it('delete asks first, restore brings it back, and the history shows every change', async () => {
    expect(documentPath, 'the report the steps above create').not.toBe('');
    await page.goto(`${stack.url}${documentPath}`);
    await clickAndWait(page, page.getByRole('main').getByRole('link', { name: /^delete/i }).or(page.getByRole('main').getByRole('button', { name: /^delete/i })).first());
    // The confirmation: nothing is deleted until she says so on this page.
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toMatch(/delete/i);
    await audit.scan(page, 'delete, confirm');
    const deleted = await clickAndWait(page, page.getByRole('main').getByRole('button', { name: /delete/i }).last());
    expect(deleted?.status()).toBe(200);
    expect(await mainText(page)).toMatch(/deleted/i);
    await audit.scan(page, 'after delete');

    if (new URL(page.url()).pathname !== documentPath) await page.goto(`${stack.url}${documentPath}`);
    const restored = await clickAndWait(page, page.getByRole('main').getByRole('button', { name: /restore/i }).first());
    expect(restored?.status()).toBe(200);
    expect(await mainText(page)).toMatch(/restored/i);
    await audit.scan(page, 'after restore');

    await page.goto(`${stack.url}${documentPath}/history`);
    const history = await mainText(page);
    for (const change of ['42.5', '99', 'Train to the customer', 'Taxi from the airport']) expect(history).toContain(change);
    expect(history).toMatch(/deleted/i);
    expect(history).toMatch(/restored/i);
    await audit.scan(page, 'history');
    await page.goto(`${stack.url}${documentPath}`);
    await screenshot(page, 'document');
    await page.goto(`${stack.url}${documentPath}/history`);
    await screenshot(page, 'document-history');
  });

  it('bob, signed in, does not see alice\'s reports, in the list or at their address', async () => {
    expect(documentPath, 'the report the steps above create').not.toBe('');
    const bob = await browser.newContext({ viewport: DESKTOP });
    try {
      const bobPage = await bob.newPage();
      await bobPage.goto(`${stack.url}/`);
      await signIn(bobPage, 'bob');
      await bobPage.goto(`${stack.url}${EXPENSES}/documents`);
      expect(await bobPage.locator(`a[href^="${documentPath}"]`).count()).toBe(0);
      expect(await mainText(bobPage)).not.toContain(REPORT.employeeId);
      await audit.scan(bobPage, 'documents list, bob');
      const direct = await bobPage.goto(`${stack.url}${documentPath}`);
      expect([403, 404]).toContain(direct?.status());
      expect(await mainText(bobPage)).not.toContain(REPORT.employeeId);
      await audit.scan(bobPage, "alice's report, as bob");
    } finally {
      await bob.close();
    }
  });

  it('a report sent with the keyboard alone: Tab to move, typing to fill, Enter to send', async () => {
    const keys = await alice.newPage();
    try {
      await keys.goto(`${stack.url}${EXPENSES}/new`);
      await tabToField(keys, 'Employee ID');
      await keys.keyboard.type('CD67890');
      await tabToField(keys, 'Date of purchase');
      // A date input takes its parts in the locale's order (en-US: month, day, year).
      await keys.keyboard.type('11212026');
      await tabToField(keys, 'Amount');
      await keys.keyboard.type('12.5');
      await tabToField(keys, 'Category');
      // A closed select picks the option whose text starts with what is typed.
      await keys.keyboard.type('meals');
      await tabToField(keys, 'Notes');
      await keys.keyboard.type('Lunch with the auditors');
      expect(await field(keys, 'Date of purchase').inputValue()).toBe('2026-11-21');
      expect(await field(keys, 'Category').inputValue()).toBe('meals');
      await tabToButton(keys, /send/i);
      const sent = await pressAndWait(keys, 'Enter');
      expect(sent?.status()).toBe(200);
      expect(await keys.getByRole('status').innerText()).toMatch(/created|sent|saved|received/i);
      const text = await mainText(keys);
      for (const value of ['CD67890', 'meals', 'Lunch with the auditors']) expect(text).toContain(value);
    } finally {
      await keys.close();
    }
  });

  it('no access, refresh or ID token reaches any page, URL or other cookie of her session', async () => {
    const found = await exposures.findings(alice, stack.sessionSecret);
    expect(found.opened, 'the session secret opened no cookie: see cookieKey in support/session-cookie.ts').toBeGreaterThan(0);
    expect(found.jwts, 'the session held no JWT (access or ID token)').toBeGreaterThan(0);
    expect(found.tokens - found.jwts, 'the session held no refresh token beside its JWTs').toBeGreaterThan(0);
    expect(found.leaks).toEqual([]);
  });

  it('every page visited has no serious or critical axe-core violation', () => {
    expect(audit.scanned.length).toBeGreaterThan(0);
    const report = audit.report();
    expect(report, `axe-core found:\n${report}`).toBe('');
  });
});
