import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerClient, startExample, type ExampleIdp } from '../browser/web/support/example-idp.ts';
import { cookieKey, openCookie, tokensIn, withJoinedChunks } from '../browser/web/support/session-cookie.ts';
import { closedPort } from '../support/identity-server.ts';
import { exportingTo, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { killAll, REPO_ROOT, startServe, type ServerProcess } from '../support/process.ts';
import { Browser, signInAtExample } from '../support/web.ts';

/**
 * Issue 14's split as three processes on 127.0.0.1 (the example identity service, an API-only Formgate
 * checking every token there, a web-only Formgate pointed at the API), each exporting to the test's OTLP
 * receiver under its own service name. One page of the web client must be one trace down to the identity
 * service, and no token or secret may reach the collector from any of them.
 */

const SERVICE = { web: 'formgate-web', api: 'formgate-api', identity: 'identity-service' } as const;
const KIND = { internal: 1, server: 2, client: 3 } as const;
const CLIENT_ID = 'formgate-web';
const FORM = 'expense-report';
const PAGE = `/forms/${FORM}/documents`;

let receiver: OtlpReceiver;
let dir: string;
let idp: ExampleIdp | undefined;
let api: ServerProcess | undefined;
let web: ServerProcess | undefined;
let webUrl: string;
let clientSecret: string;
let sessionSecret: string;

const traced = (service: string) => ({
  ...exportingTo(receiver.endpoint),
  OTEL_SERVICE_NAME: service,
  // Spans arrive through the flush at SIGTERM; a long delay keeps them from arriving in pieces before.
  OTEL_BSP_SCHEDULE_DELAY: '60000',
});

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  dir = await mkdtemp(join(tmpdir(), 'formgate-trace-'));
  const usersFile = join(dir, 'users.yaml');
  await copyFile(join(REPO_ROOT, 'auth-service-example', 'users.example.yaml'), usersFile);
  await chmod(usersFile, 0o600);

  // The redirect URI and --api-url name ports, so all three are chosen first and the processes start side by side.
  const [idpPort, apiPort, webPort] = await distinctPorts(3);
  webUrl = `http://127.0.0.1:${webPort}`;
  const idpUrl = `http://127.0.0.1:${idpPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  clientSecret = await registerClient(usersFile, CLIENT_ID, `${webUrl}/auth/callback`, `${webUrl}/`);
  sessionSecret = randomBytes(32).toString('base64url');
  await writeFile(join(dir, 'client-secret'), `${clientSecret}\n`, { mode: 0o600 });
  await writeFile(join(dir, 'session-secret'), `${sessionSecret}\n`, { mode: 0o600 });

  const started = await Promise.allSettled([
    startExample({ usersFile, keyFile: join(dir, 'signing-key.json'), port: idpPort, env: traced(SERVICE.identity) }),
    startServe(
      [
        '--no-ui', '--port', String(apiPort), '--database-url', 'memory://', '--forms', 'examples/forms.yaml',
        '--protect', 'all', '--auth-url', `${idpUrl}/validate`,
        // Every API request asks the identity service, so each API call of the page has its identity call.
        '--auth-cache-size', '0',
      ],
      { env: traced(SERVICE.api) },
    ),
    startServe(
      [
        '--no-api', '--api-url', apiUrl, '--port', String(webPort),
        '--ui-issuer', idpUrl, '--ui-client-id', CLIENT_ID, '--ui-client-secret-file', join(dir, 'client-secret'),
        '--ui-public-url', webUrl, '--ui-session-secret-file', join(dir, 'session-secret'),
      ],
      { env: traced(SERVICE.web) },
    ),
  ]);
  if (started[0].status === 'fulfilled') idp = started[0].value;
  if (started[1].status === 'fulfilled') api = started[1].value;
  if (started[2].status === 'fulfilled') web = started[2].value;
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  if (idp!.url !== idpUrl) throw new Error(`the example listens at ${idp!.url}, not at ${idpUrl}`);
});

afterAll(async () => {
  await killAll();
  await idp?.stop();
  await receiver?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Signs alice in through the web-only instance, the example's login form posted as a browser would. */
async function signIn(browser: Browser): Promise<void> {
  const back = await signInAtExample(browser);
  expect(back.url).toBe(`${webUrl}/`);
  expect(back.body).toContain('Signed in as');
}

/** The tokens the session cookie held, opened with the test's own secret, and the cookie values themselves. */
async function sessionSecrets(browser: Browser): Promise<string[]> {
  const cookies = withJoinedChunks([...browser.cookies].map(([name, value]) => ({ name, value })));
  const key = cookieKey(sessionSecret, 'session');
  const found: string[] = [];
  for (const { name, value } of cookies) {
    if (!name.startsWith('fg-session')) continue;
    found.push(value);
    found.push(...tokensIn(await openCookie(value, key), true));
  }
  return found;
}

function onlyOne(spans: ReceivedSpan[], what: string): ReceivedSpan {
  expect(spans, `${what}: ${JSON.stringify(spans.map((s) => [s.service, s.name]))}`).toHaveLength(1);
  return spans[0]!;
}

const childrenOf = (parent: ReceivedSpan) => receiver.spans.filter((s) => s.parentSpanId === parent.spanId);

describe('one trace across the web client, the API and the identity service', () => {
  test('a page of the web-only instance is a server span, a client span per API call, the API below each, the identity service below that; no token in any span', async () => {
    const browser = new Browser(webUrl);
    await signIn(browser);
    const page = await browser.go(`${webUrl}${PAGE}`);
    expect(page.res.status, page.body.slice(0, 300)).toBe(200);
    expect(page.body).toContain('Expense report');
    const secrets = await sessionSecrets(browser);
    // The access and refresh tokens at least, and the cookie they were sealed in.
    expect(secrets.length).toBeGreaterThanOrEqual(3);

    // Each process flushes its spans as it stops.
    for (const proc of [web!, api!]) expect((await proc.stop('SIGTERM')).code).toBe(0);
    await idp!.stop();

    const root = onlyOne(
      receiver.spans.filter((s) => s.service === SERVICE.web && s.kind === KIND.server && s.attributes['url.path'] === PAGE),
      'the page request in the web client',
    );
    expect(root.parentSpanId).toBeUndefined();
    expect(root.name).toBe('GET /forms/:form/documents');
    expect(root.attributes['http.route']).toBe('/forms/:form/documents');
    const traceId = root.traceId;

    // The list page asks the API for the form and for its documents, side by side.
    const calls = childrenOf(root).filter((s) => s.kind === KIND.client);
    expect(calls.map((s) => s.attributes['url.path']).sort()).toEqual([`/api/v1/forms/${FORM}`, `/api/v1/forms/${FORM}/documents`]);
    const apiRoutes: string[] = [];
    for (const call of calls) {
      expect(call.service).toBe(SERVICE.web);
      expect(call.name).toBe('GET');
      expect(call.attributes['http.response.status_code']).toBe(200);

      const served = onlyOne(childrenOf(call), `the API's span below ${call.attributes['url.path']}`);
      expect([served.service, served.kind]).toEqual([SERVICE.api, KIND.server]);
      expect(served.attributes['url.path']).toBe(call.attributes['url.path']);
      apiRoutes.push(served.name);

      const validation = onlyOne(childrenOf(served).filter((s) => s.name === 'identity.validate'), 'the validation');
      expect(validation.attributes['formgate.auth.cache']).toBe('uncached');
      const asked = onlyOne(childrenOf(validation).filter((s) => s.kind === KIND.client), 'the call to the identity service');
      expect([asked.service, asked.name, asked.attributes['server.port']]).toEqual([SERVICE.api, 'POST', idp!.port]);

      const answered = onlyOne(childrenOf(asked), 'the identity service span');
      expect([answered.service, answered.kind, answered.name]).toEqual([SERVICE.identity, KIND.server, 'POST /validate']);
      expect(answered.attributes['http.response.status_code']).toBe(200);
      for (const span of [call, served, validation, asked, answered]) expect(span.traceId).toBe(traceId);
    }
    expect(apiRoutes.sort()).toEqual(['GET /api/v1/forms/:form', 'GET /api/v1/forms/:form/documents']);
    // All three services are in the one trace, and nothing in it came from anywhere else.
    const trace = receiver.spans.filter((s) => s.traceId === traceId);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(Object.values(SERVICE)));

    const exported = receiver.bodies.join('\n');
    expect(exported.length).toBeGreaterThan(0);
    // A token cut short into an attribute still leaves a piece: any 30 characters of one in a row are caught.
    const leaked = [...secrets, clientSecret, sessionSecret].filter((secret) => slices(secret, 20).some((piece) => exported.includes(piece)));
    expect(leaked.map((s) => `a secret ${s.length} characters long`)).toEqual([]);
    expect(exported).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/);
  });
});

/** Overlapping pieces of `text`, `length` long, starting every half length (and the whole of a shorter text). */
function slices(text: string, length: number): string[] {
  if (text.length <= length) return [text];
  const pieces: string[] = [];
  for (let i = 0; i + length <= text.length; i += length / 2) pieces.push(text.slice(i, i + length));
  return pieces;
}

/** `count` ports nothing listens on, none the same. */
async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let i = 0; i < count * 5 && ports.size < count; i += 1) ports.add(await closedPort());
  if (ports.size < count) throw new Error(`could not find ${count} distinct free ports`);
  return [...ports];
}
