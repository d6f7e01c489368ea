import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delay } from '../../support/process.ts';
import { auditor, type Auditor } from './support/axe.ts';
import { clickAndWait, field, fillExpense, mainText, NAV_TIMEOUT_MS, onLoginPage, signIn, signOutButton, submitButton, submitLogin, USERS } from './support/flows.ts';
import { DESKTOP } from './support/screenshots.ts';
import { startStackAndBrowser, type Stack } from './support/stack.ts';
import { recordExposures, type TokenScan } from './support/token-scan.ts';

/**
 * Sessions that end, for real. The example identity service issues access tokens that live TOKEN_TTL_S
 * seconds, so the web client has to refresh them; then it is restarted (same port, same signing key),
 * which forgets every refresh token it issued, and once the access token has run out the session can
 * neither be used nor refreshed: what the person typed must survive the sign-in that follows. The same
 * round trip serves a visitor who never signed in: under `--protect writes` the contact form can be filled
 * in anonymously, and sending it needs a sign-in.
 */

const TOKEN_TTL_S = 3;
/** Long enough that an access token issued before the wait has certainly expired after it. */
const OUTLIVE_TOKEN_MS = TOKEN_TTL_S * 1000 + 1500;
const EXPENSES = '/forms/expense-report';

let stack: Stack;
let browser: Browser;
let audit: Auditor;
const contexts: { context: BrowserContext; scan: TokenScan }[] = [];

async function freshPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
  contexts.push({ context, scan: recordExposures(context) });
  const page = await context.newPage();
  page.setDefaultTimeout(NAV_TIMEOUT_MS);
  return page;
}

beforeAll(async () => {
  ({ stack, browser } = await startStackAndBrowser({ tokenTtl: `${TOKEN_TTL_S}s` }));
  audit = await auditor(browser);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('sign-in, refresh and sessions that end', { timeout: 60_000 }, () => {
  it('under --protect writes a visitor fills in the contact form without signing in; sending it asks for a sign-in and keeps what they typed', async () => {
    const page = await freshPage();
    // Reached by its address (a link on the organisation's site): the forms list offers an anonymous
    // visitor nothing under --protect writes, since every form needs a sign-in to be sent.
    await page.goto(`${stack.url}/forms/contact/new`);
    // Before anything is typed, the page says that sending will need a sign-in.
    expect(await mainText(page)).toMatch(/sign in/i);
    await audit.scan(page, 'contact form, signed out');
    await field(page, 'Your name').fill('Carla Visitor');
    await field(page, 'Your email').fill('carla@example.org');
    await field(page, 'Topic').selectOption('sales');
    await field(page, 'Message').fill('Do you offer a discount for schools?');

    await clickAndWait(page, submitButton(page));
    expect(await onLoginPage(page)).toBe(true);
    await submitLogin(page, USERS.bob.name, USERS.bob.password);
    await signOutButton(page).waitFor();
    expect(new URL(page.url()).pathname).toBe('/forms/contact/new');
    expect(await field(page, 'Your name').inputValue()).toBe('Carla Visitor');
    expect(await field(page, 'Your email').inputValue()).toBe('carla@example.org');
    expect(await field(page, 'Topic').inputValue()).toBe('sales');
    expect(await field(page, 'Message').inputValue()).toBe('Do you offer a discount for schools?');
    await audit.scan(page, 'contact form, typed values back after sign-in');

    const sent = await clickAndWait(page, submitButton(page));
    expect(sent?.status()).toBe(200);
    expect(await page.getByRole('status').innerText()).toMatch(/created|sent|saved|received|thank/i);
    await audit.scan(page, 'contact form, sent');
  });

  it('what is too long to keep across a sign-in stays on the page, with what to do, before anything is sent away', async () => {
    const page = await freshPage();
    await page.goto(`${stack.url}/forms/contact/new`);
    // Within the form's 5000 characters, beyond what a cookie can carry across the sign-in.
    const long = 'Our school would like to order forms for every class. '.repeat(80).slice(0, 4400);
    await field(page, 'Your name').fill('Dana Teacher');
    await field(page, 'Your email').fill('dana@example.org');
    await field(page, 'Message').fill(long);
    const answer = await clickAndWait(page, submitButton(page));
    expect(answer?.status()).toBe(401);
    expect(new URL(page.url()).origin).toBe(stack.url);
    expect(await mainText(page)).toMatch(/too long to keep/i);
    expect(await field(page, 'Message').inputValue()).toBe(long);
    expect(await field(page, 'Your name').inputValue()).toBe('Dana Teacher');
    await audit.scan(page, 'contact form, too long to keep');
  });

  let alice: Page;

  it('an access token that runs out is refreshed: the next page still knows her', async () => {
    alice = await freshPage();
    await alice.goto(`${stack.url}/`);
    await signIn(alice, 'alice');
    await delay(OUTLIVE_TOKEN_MS);
    const again = await alice.goto(`${stack.url}${EXPENSES}/new`);
    expect(again?.status()).toBe(200);
    expect(new URL(alice.url()).pathname).toBe(`${EXPENSES}/new`);
    await signOutButton(alice).waitFor();
    // Not only the page: the API accepted her (refreshed) token, as the form says she may send it.
    expect(await mainText(alice)).not.toMatch(/need to sign in/i);
  });

  it('a session that ended and cannot be refreshed sends her through sign-in and back to the form with what she typed', async () => {
    await fillExpense(alice, { employeeId: 'EF24680', spentOn: '2026-10-02', amount: '310', category: 'lodging', notes: 'Two nights in Lyon' });
    // The provider forgets every refresh token; her access token then runs out.
    await stack.restartIdp();
    await delay(OUTLIVE_TOKEN_MS);

    await clickAndWait(alice, submitButton(alice));
    expect(await onLoginPage(alice)).toBe(true);
    await audit.scan(alice, 'login page, after the session ended');
    await submitLogin(alice, USERS.alice.name, USERS.alice.password);
    await signOutButton(alice).waitFor();
    expect(new URL(alice.url()).pathname).toBe(`${EXPENSES}/new`);
    expect(await field(alice, 'Employee ID').inputValue()).toBe('EF24680');
    expect(await field(alice, 'Date of purchase').inputValue()).toBe('2026-10-02');
    expect(await field(alice, 'Amount').inputValue()).toBe('310');
    expect(await field(alice, 'Category').inputValue()).toBe('lodging');
    expect(await field(alice, 'Notes').inputValue()).toBe('Two nights in Lyon');
    // Kept, not sent: nothing was saved while she was away.
    expect(await mainText(alice)).toMatch(/not been sent|not sent|nothing was saved/i);
    await audit.scan(alice, 'fill in, draft restored');

    const created = await clickAndWait(alice, submitButton(alice));
    expect(created?.status()).toBe(200);
    expect(await mainText(alice)).toContain('Two nights in Lyon');
    await expectListed(alice);
  });

  it('no access, refresh or ID token reaches any page, URL or other cookie, across every refresh', async () => {
    let opened = 0;
    for (const { context, scan } of contexts) {
      const found = await scan.findings(context, stack.sessionSecret);
      opened += found.opened;
      expect(found.leaks).toEqual([]);
    }
    expect(opened, 'the session secret opened no cookie: see cookieKey in support/session-cookie.ts').toBeGreaterThan(1);
  });

  it('the axe-core scan can fail: a page with an unlabelled field and an image without text is reported', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const url = `${stack.url}/axe-probe`;
      await page.route(url, (route) =>
        route.fulfill({ contentType: 'text/html', body: '<!doctype html><html lang="en"><title>probe</title><main><img src="data:,"><input name="q"></main></html>' }),
      );
      await page.goto(url);
      const found = (await audit.inspect(page)).map((v) => `${v.impact} ${v.id}`);
      expect(found).toContain('critical image-alt');
      expect(found).toContain('critical label');
    } finally {
      await context.close();
    }
  });

  it('every page visited has no serious or critical axe-core violation', () => {
    expect(audit.scanned.length).toBeGreaterThan(0);
    const report = audit.report();
    expect(report, `axe-core found:\n${report}`).toBe('');
  });
});

/** The report she sent after signing in again is hers, listed once. */
async function expectListed(page: Page): Promise<void> {
  const path = new URL(page.url()).pathname;
  await page.goto(`${stack.url}${EXPENSES}/documents`);
  expect(await page.locator(`main a[href^="${path}"]`).count()).toBe(1);
}
