import type { Locator, Page, Response } from 'playwright-core';

/**
 * What a person does on the pages, in the words the pages show them (labels, button names, headings), so a
 * test reads as the steps and a change of markup that keeps the words keeps the tests.
 */

export const NAV_TIMEOUT_MS = 20_000;

export const USERS = {
  alice: { name: 'alice', password: 'alice-password', displayName: /Alice Example|alice/ },
  bob: { name: 'bob', password: 'bob-password', displayName: /Bob Example|bob/ },
} as const;

/** The example identity service's one message for a wrong name or password. */
export const WRONG_CREDENTIALS = /user name or password is not right/i;

export const signInLink = (page: Page) => page.getByRole('link', { name: /^sign in$/i }).first();
export const signOutButton = (page: Page) => page.getByRole('button', { name: /sign out/i });

/** On the example's login page: types the credentials and presses its button; answers the POST's response. */
export async function submitLogin(page: Page, user: string, password: string): Promise<Response | null> {
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  return clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
}

/** From any Formgate page with a "Sign in" link: through the login page and back, signed in. */
export async function signIn(page: Page, who: keyof typeof USERS): Promise<void> {
  const user = USERS[who];
  if (!(await onLoginPage(page))) await clickAndWait(page, signInLink(page));
  await page.getByLabel('User name').waitFor({ timeout: NAV_TIMEOUT_MS });
  await submitLogin(page, user.name, user.password);
  await signOutButton(page).waitFor({ timeout: NAV_TIMEOUT_MS });
}

export async function onLoginPage(page: Page): Promise<boolean> {
  return (await page.getByRole('heading', { name: /^Sign in to / }).count()) > 0;
}

/** Clicks and waits for the navigation it starts (the last response of a redirect chain is the page's). */
export async function clickAndWait(page: Page, target: Locator): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation({ timeout: NAV_TIMEOUT_MS, waitUntil: 'load' }), target.click()]);
  return response;
}

/** Presses a key and waits for the navigation it starts. */
export async function pressAndWait(page: Page, key: string): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation({ timeout: NAV_TIMEOUT_MS, waitUntil: 'load' }), page.keyboard.press(key)]);
  return response;
}

export interface ExpenseValues {
  readonly employeeId: string;
  readonly spentOn: string;
  readonly amount: string;
  readonly category: string;
  readonly currency?: string;
  readonly notes?: string;
}

export const field = (page: Page, label: string | RegExp) => page.getByLabel(label, { exact: false }).first();

export async function fillExpense(page: Page, values: ExpenseValues): Promise<void> {
  await field(page, 'Employee ID').fill(values.employeeId);
  await field(page, 'Date of purchase').fill(values.spentOn);
  await field(page, 'Amount').fill(values.amount);
  await field(page, 'Category').selectOption(values.category);
  if (values.currency !== undefined) await field(page, 'Currency').selectOption(values.currency);
  if (values.notes !== undefined) await field(page, 'Notes').fill(values.notes);
}

/** The form's submit button ("Send" on a fill-in page, "Save" on an edit page). */
export const submitButton = (page: Page) => page.locator('main form[method="post"] button[type="submit"]').last();

/**
 * Turns off the browser's own constraint checks on the page's form, as a browser without them (or a person
 * who got past them) would send it, so the server's 422 answer is what the page shows.
 */
export async function skipBrowserChecks(page: Page): Promise<void> {
  await page.locator('main form[method="post"]').last().evaluate((form) => {
    (form as unknown as { noValidate: boolean }).noValidate = true;
  });
}

/** The document's id from a document page's URL (`/forms/F/documents/ID…`). */
export function documentIdOf(url: string): string {
  const id = /\/documents\/([^/?#]+)/.exec(new URL(url).pathname)?.[1];
  if (id === undefined) throw new Error(`not a document page: ${url}`);
  return decodeURIComponent(id);
}

/** The visible text of the page's main region, whitespace folded, for assertions that read like the page. */
export async function mainText(page: Page): Promise<string> {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}
