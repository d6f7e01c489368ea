import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../support/browser.ts';
import { fetchWithin, type LogLine } from '../../support/process.ts';
import { clickAndWait, documentIdOf, fillExpense, mainText, NAV_TIMEOUT_MS, signIn, submitButton } from './support/flows.ts';
import { accessTokenOf } from './support/session-cookie.ts';
import { startSplit, type SplitStack } from './support/split-stack.ts';

/**
 * Issue 14's split in Chromium: alice signs in through a web-only Formgate, sends an expense report, and
 * the report is in the API-only Formgate that the web client talks to over HTTP, found there with the very
 * token her session holds. The API protects everything, so that token is what lets the lookup through.
 */

const FORM = 'expense-report';
const REPORT = { employeeId: 'SP11223', spentOn: '2026-12-01', amount: '17.25', category: 'meals', notes: 'Lunch, split deployment' };

let split: SplitStack;
let browser: Browser;
let alice: BrowserContext;
let page: Page;
let documentId = '';
let createdBy: string | null | undefined;

beforeAll(async () => {
  const [stack, chromium] = await Promise.allSettled([startSplit({ protect: 'all' }), launchBrowser()]);
  if (stack.status === 'rejected' || chromium.status === 'rejected') {
    if (stack.status === 'fulfilled') await stack.value.stop();
    if (chromium.status === 'fulfilled') await chromium.value.close();
    throw stack.status === 'rejected' ? stack.reason : (chromium as PromiseRejectedResult).reason;
  }
  split = stack.value;
  browser = chromium.value;
  alice = await browser.newContext({ locale: 'en-US' });
  page = await alice.newPage();
  page.setDefaultTimeout(NAV_TIMEOUT_MS);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await split?.stop();
});

const startupLine = (logs: readonly LogLine[]) => logs.find((l) => l.msg.startsWith('Formgate listening on'));
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });

describe('the web client apart from the API, in Chromium', { timeout: 60_000 }, () => {
  it('three processes: the API alone, the web client alone pointed at it, and the identity service', () => {
    expect(startupLine(split.api.logs)).toMatchObject({ halves: 'API' });
    expect(startupLine(split.web.logs)).toMatchObject({ halves: 'web client', web: { api: split.apiUrl, publicUrl: split.webUrl } });
  });

  it('alice signs in at the example service through the web-only instance and comes back to it', async () => {
    await page.goto(`${split.webUrl}/`);
    await signIn(page, 'alice');
    expect(new URL(page.url()).origin).toBe(split.webUrl);
    expect(await page.locator('header').innerText()).toMatch(/Alice Example|alice/);
    // The forms list came from the API process: the web-only one has no forms file.
    expect(await mainText(page)).toContain('Expense report');
  });

  it('she sends an expense report; the web-only instance shows it back', async () => {
    await page.goto(`${split.webUrl}/forms/${FORM}/new`);
    await fillExpense(page, REPORT);
    const created = await clickAndWait(page, submitButton(page));
    expect(created?.status()).toBe(200);
    documentId = documentIdOf(page.url());
    expect(await page.getByRole('status').innerText()).toMatch(/created|sent|saved|received/i);
    expect(await mainText(page)).toContain(REPORT.employeeId);
    // It was written by the API process, on the web-only instance's behalf (one request id in both logs).
    const write = await split.api.waitForLog((l) => l.msg === 'request' && l.method === 'POST' && l.status === 201 && l.path === `/api/v1/forms/${FORM}/documents`);
    expect(write.requestId).toBeTruthy();
    expect(split.web.logs.some((l) => l.requestId === write.requestId)).toBe(true);
  });

  it("the API-only process lists it for alice's own token, taken out of her session cookie, and refuses the same request without it", async () => {
    expect(documentId, 'the report the step above sends').not.toBe('');
    const token = await accessTokenOf(await alice.cookies(split.webUrl), split.sessionSecret);
    expect(token, 'no access token in the session cookie: see cookieKey in support/session-cookie.ts').toBeDefined();

    const listUrl = `${split.apiUrl}/api/v1/forms/${FORM}/documents`;
    const anonymous = await fetchWithin(listUrl, { headers: { accept: 'application/json' } });
    await anonymous.body?.cancel();
    expect(anonymous.status).toBe(401);

    const listed = await fetchWithin(listUrl, bearer(token!));
    const body = await listed.text();
    expect(listed.status, body.slice(0, 300)).toBe(200);
    const items = (JSON.parse(body) as { items?: { id: string; createdBy: string | null; data?: Record<string, unknown> }[] }).items ?? [];
    const mine = items.find((d) => d.id === documentId);
    expect(mine, `document ${documentId} in ${body.slice(0, 300)}`).toBeDefined();
    expect(mine!.data).toMatchObject({ employeeId: REPORT.employeeId, notes: REPORT.notes });
    createdBy = mine!.createdBy;

    const one = await fetchWithin(`${listUrl}/${encodeURIComponent(documentId)}`, bearer(token!));
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: documentId, data: { employeeId: REPORT.employeeId } });
  });

  it('the token is hers: /api/v1/me of the API process names alice, who created the report', async () => {
    expect(createdBy, 'the report found in the step above').toBeTruthy();
    const token = await accessTokenOf(await alice.cookies(split.webUrl), split.sessionSecret);
    const me = await fetchWithin(`${split.apiUrl}/api/v1/me`, bearer(token!));
    const body = await me.text();
    expect(me.status, body.slice(0, 300)).toBe(200);
    const { caller } = JSON.parse(body) as { caller: { authenticated: boolean; userId?: string; name?: string } };
    expect(caller.authenticated).toBe(true);
    expect(caller.name ?? caller.userId).toMatch(/Alice Example|alice/);
    expect(caller.userId).toBe(createdBy);
  });
});
