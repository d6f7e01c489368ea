import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSplit, type SplitStack } from '../browser/web/support/split-stack.ts';
import { delay, eventually, type LogLine } from '../support/process.ts';
import { Browser, signInAtExample } from '../support/web.ts';

/**
 * Issue 14's rotation of the web client's OAuth client secret, with no restart: the example service's
 * `clients rotate` makes a new secret and keeps the old one for a grace period; the operator writes the new
 * one to `--ui-client-secret-file`, which the web-only Formgate reads at each token request. Sign-in is
 * done over HTTP (cookies carried, redirects followed by hand) through the real login page.
 *
 * The grace is long enough for what runs inside it on a busy 2-core machine (the CLI's exit and two
 * sign-ins: about 0.3 s when idle, of 5 s or more, since the example rounds the deadline up to the second)
 * and short enough that waiting it out costs a few seconds; a step that does run past it fails saying so
 * rather than asserting the wrong thing.
 */

const GRACE_S = 5;

let split: SplitStack;
let oldSecret = '';
let newSecret = '';
let deadlineMs = Number.NaN;

beforeAll(async () => {
  split = await startSplit({ protect: 'all' });
  oldSecret = split.firstClientSecret;
}, 120_000);

afterAll(async () => {
  await split?.stop();
});

interface SignInOutcome {
  readonly status: number;
  readonly body: string;
  /** Where the last redirect ended. */
  readonly url: string;
  readonly signedIn: boolean;
}

/** Alice through the web-only instance's sign-in and the example's login page, in a fresh browser. */
async function signInAsAlice(): Promise<SignInOutcome> {
  const browser = new Browser(split.webUrl);
  const answer = await signInAtExample(browser);
  const signedIn = [...browser.cookies.keys()].some((name) => name.startsWith('fg-session'));
  return { status: answer.res.status, body: answer.body, url: answer.url, signedIn };
}

const writeSecret = (secret: string) => writeFile(split.clientSecretFile, `${secret}\n`, { mode: 0o600 });

/** The example's log lines of its token requests, in order. */
function tokenRequests(): LogLine[] {
  return split.idp
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.msg === 'request' && line.method === 'POST' && line.route === '/token');
}

function expectSignedIn(outcome: SignInOutcome): void {
  expect(outcome.status, outcome.body.slice(0, 300)).toBe(200);
  expect(outcome.url).toBe(`${split.webUrl}/`);
  expect(outcome.body).toMatch(/Signed in as Alice Example/);
  expect(outcome.signedIn).toBe(true);
}

describe('rotating the web client secret of a web-only Formgate without a restart', { timeout: 60_000 }, () => {
  it('the secret it was started with signs alice in', async () => {
    expectSignedIn(await signInAsAlice());
    expect(tokenRequests().at(-1)).toMatchObject({ status: 200 });
  });

  it('rotated, and the new secret written to the file: the next sign-in works, and the example has re-read its users file', async () => {
    const rotated = await split.rotateClientSecret(`${GRACE_S}s`);
    newSecret = rotated.secret;
    expect(newSecret).not.toBe(oldSecret);
    const until = /until (\S+Z)/.exec(rotated.note)?.[1];
    expect(until, rotated.note).toBeDefined();
    deadlineMs = Date.parse(until!);
    await writeSecret(newSecret);

    expectSignedIn(await signInAsAlice());
    expect(tokenRequests().at(-1)).toMatchObject({ status: 200 });
    // The example follows its users file by itself (it looks at each request), so the rotation is live.
    await eventually(() => (split.idp.output().includes('"msg":"users file re-read"') ? true : undefined), 5_000, 'the example to re-read its users file');
    expect(Date.now(), 'this step outlived the grace period: the machine is too slow for GRACE_S').toBeLessThan(deadlineMs);
  });

  it('the old secret written back inside the grace: sign-in still works', async () => {
    expect(oldSecret).not.toBe('');
    await writeSecret(oldSecret);
    expectSignedIn(await signInAsAlice());
    expect(Date.now(), 'this step outlived the grace period: the machine is too slow for GRACE_S').toBeLessThan(deadlineMs);
  });

  it("after the grace, the old secret is refused: a page that says sign-in is broken here (502), and a warning for the operator", async () => {
    expect(Number.isFinite(deadlineMs), 'the rotation in the step above').toBe(true);
    // The example judges expiry by its own clock, the same as this one: half a second past is past.
    const wait = deadlineMs + 500 - Date.now();
    if (wait > 0) await delay(Math.min(wait, (GRACE_S + 5) * 1000));
    const before = tokenRequests().length;

    const refused = await signInAsAlice();
    expect(refused.status, refused.body.slice(0, 300)).toBe(502);
    expect(refused.url.startsWith(`${split.webUrl}/auth/callback`)).toBe(true);
    expect(refused.body).toContain('Sign-in is not working');
    expect(refused.body).toContain('This is not something you did.');
    expect(refused.signedIn).toBe(false);
    // It was the client secret the example refused, at the token request.
    expect(tokenRequests().slice(before)).toEqual([expect.objectContaining({ status: 401, refusal: 'client authentication failed' })]);
    // The operator is told which setting to look at; a 502 is the web client's answer, not a crash (no 500).
    const warning = await eventually(() => split.web.logs.find((l) => l.msg.includes('refused the web client')), 5000, 'the warning');
    expect(warning.msg).toContain('--ui-client-secret-file');
    expect(split.web.logs.filter((l) => l.status === 500)).toEqual([]);
  });

  it('the new secret back in the file: sign-in works again, and only the new secret is live now, so it is the one read', async () => {
    await writeSecret(newSecret);
    expectSignedIn(await signInAsAlice());
    expect(tokenRequests().at(-1)).toMatchObject({ status: 200 });
    // One process all along: the same web-only instance, never restarted.
    expect(split.web.child.exitCode).toBeNull();
    expect(split.web.logs.filter((l) => l.msg.startsWith('Formgate listening on'))).toHaveLength(1);
  });

  it('neither secret appears in any log of the three processes', () => {
    expect(newSecret).not.toBe('');
    const logs = [split.idp.output(), split.web.stdout(), split.web.stderr(), split.api.stdout(), split.api.stderr()].join('\n');
    for (const secret of [oldSecret, newSecret]) {
      expect(logs.includes(secret)).toBe(false);
      // Nor its random part alone (after the `fgcs_<id>_` prefix).
      expect(logs.includes(secret.slice(-20))).toBe(false);
    }
  });
});
