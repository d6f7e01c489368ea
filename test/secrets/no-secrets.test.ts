import { randomBytes } from 'node:crypto';
import { node, tracing } from '@opentelemetry/sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAuth, formatReport } from '../../src/auth/check-auth.ts';
import type { AuthConfig } from '../../src/auth/settings.ts';
import { authConfig, buildTestApp, jsonInit, type TestApp } from '../support/app.ts';
import { DRIVERS } from '../support/databases.ts';
import { closedPort, startIdentityServer, type IdentityServer, type RecordedCall, type ScriptedAnswer } from '../support/identity-server.ts';

/**
 * One workload over every route and every way authentication can go (valid, rejected, failing, broken,
 * echoing, unreachable; formgate, oidc and introspection), with secrets that carry a marker. Everything
 * Formgate says is captured: each log line, each span (the real OpenTelemetry SDK, exported in memory),
 * each response's status line, headers and body, and check-auth's report. The marker must appear nowhere.
 */

const exporter = new tracing.InMemorySpanExporter();
const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
provider.register();

/** Recognisable, and new each run so nothing left over from another test can match it. */
const MARKER = `SeCrEt${randomBytes(6).toString('hex')}`;
const token = (behaviour: string) => `${MARKER}-${behaviour}`;
const CLIENT_ID = 'formgate-client';
const CLIENT_SECRET = `${MARKER}-client-secret`;
/** The introspection client's credentials as they travel (HTTP Basic), in case something logs the header. */
const BASIC_CREDENTIALS = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
/**
 * Every form of a secret searched for: the marker (so any token or the client secret, and any prefix of a
 * token of 18 characters or more), its base64 and base64url (the marker is 18 bytes, whole base64 groups,
 * so a token's encoding starts with the marker's), and the Basic credentials, whole or the part that
 * encodes the secret.
 */
const SECRET_FORMS = [MARKER, Buffer.from(MARKER).toString('base64'), Buffer.from(MARKER).toString('base64url'), BASIC_CREDENTIALS, BASIC_CREDENTIALS.slice(24, 44)];

/** The token changed as an echoing endpoint or a scrubber's blind spot might change it. */
const variants = (tok: string) => [Buffer.from(tok).toString('base64'), Buffer.from(tok).toString('base64url'), encodeURIComponent(tok), tok.slice(0, 20), JSON.stringify(tok).slice(1, -1).replace('-', '\\u002d')];

/** What the identity service does with a token: decided by the word after the marker. */
function answerFor(call: RecordedCall): ScriptedAnswer {
  const tok = call.token ?? '';
  const behaviour = tok.slice(MARKER.length + 1).split('-')[0];
  const user = { userId: 'alice', sub: 'alice', active: true, groups: ['admin', 'staff'] };
  switch (behaviour) {
    case 'valid':
      return { status: 200, body: user };
    case 'staff':
      return { status: 200, body: { ...user, userId: 'bob', sub: 'bob', groups: ['staff'] } };
    case 'rejected':
      return { status: 401, body: { error: 'invalid_token', token: tok } };
    case 'inactive':
      return { status: 200, body: { active: false, token: tok } };
    case 'down':
      return { status: 503, body: `overloaded while checking ${tok}`, headers: { 'retry-after': '7' } };
    case 'echo':
      // Broken answers that repeat the token, raw, escaped and encoded, in members with harmless names.
      // JSON text, so the escape (`\u002d` for `-`) hides the token from a search of the raw body.
      return { status: 200, body: `{"userId":42,"sub":42,"active":"yes","note":"${tok}","escaped":"${tok.replace('-', '\\u002d')}","encoded":"${encodeURIComponent(tok)}"}`, headers: { 'content-type': 'application/json' } };
    case 'echotext':
      // An endpoint's plain-text error quoting the request it got, headers (Basic credentials) and body.
      return {
        status: 400,
        headers: { 'content-type': 'text/plain' },
        body: `cannot parse ${call.method} ${call.path}\n${Object.entries(call.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\n')}\n\n${call.body}\n${variants(tok).join('\n')}`,
      };
    case 'echojson':
      // The same as JSON, the token's variants as values and as member names.
      return { status: 200, body: { headers: call.headers, body: call.body, variants: variants(tok), ...Object.fromEntries(variants(tok).map((v) => [v, 1])) } };
    case 'text':
      return { status: 200, body: `<html>token ${tok} is fine</html>`, headers: { 'content-type': 'text/html' } };
    case 'redirect':
      return { status: 302, headers: { location: `http://127.0.0.1:1/login?token=${encodeURIComponent(tok)}` } };
    case 'teapot':
      return { status: 418, body: { echo: tok } };
    case 'hangup':
      return { hangUp: true };
    default:
      return { status: 401 };
  }
}

const BEHAVIOURS = ['valid', 'staff', 'rejected', 'inactive', 'down', 'echo', 'echotext', 'echojson', 'text', 'redirect', 'teapot', 'hangup'];

interface Captured {
  what: string;
  text: string;
}

const captured: Captured[] = [];
const capture = (what: string, text: string) => captured.push({ what, text });

async function record(t: TestApp, what: string, path: string, init: RequestInit = {}): Promise<Response> {
  const res = await t.app.request(path, init);
  const body = await res.clone().text();
  capture(`${what}: ${init.method ?? 'GET'} ${path}`, `${res.status} ${res.statusText}\n${JSON.stringify([...res.headers])}\n${body}`);
  return res;
}

/** Every route, as one caller (the given Authorization header, or none). */
async function everyRoute(t: TestApp, what: string, authorization?: string): Promise<number[]> {
  const headers = (extra: Record<string, string> = {}) => ({ ...extra, ...(authorization === undefined ? {} : { authorization }) });
  const NOTES = '/api/v1/forms/notes/documents';
  const statuses: number[] = [];
  const go = async (path: string, init: RequestInit = {}) => {
    const res = await record(t, what, path, { ...init, headers: headers(init.headers as Record<string, string> | undefined) });
    statuses.push(res.status);
    return res;
  };
  for (const path of ['/health', '/health/live', '/openapi.json', '/docs', '/api/v1/forms', '/api/v1/forms/notes', '/api/v1/me', '/api/v1/admin/auth-cache', '/no/such/route']) await go(path);
  // The token also goes where it should not: the query string and a cursor.
  await go(`${NOTES}?limit=5&access_token=${encodeURIComponent(authorization ?? MARKER)}`);
  await go(`${NOTES}?cursor=${Buffer.from(`v1:${MARKER}`).toString('base64url')}`);
  const created = await go(NOTES, jsonInit('POST', { title: 'secret-free', body: 'nothing to hide' }));
  const id = created.status === 201 ? ((await created.json()) as { id: string }).id : '01938000-0000-7000-8000-000000000000';
  const doc = `${NOTES}/${id}`;
  await go(doc);
  await go(doc, jsonInit('PATCH', { body: 'changed' }, { 'if-match': '"1"' }));
  await go(doc, jsonInit('PATCH', { body: 'stale' }, { 'if-match': '"1"' }));
  await go(doc, { method: 'DELETE' });
  await go(`${doc}/restore`, { method: 'POST' });
  await go(`${doc}/history`);
  await go(NOTES, { method: 'POST', body: '{"title":', headers: { 'content-type': 'application/json' } });
  await go(NOTES, { method: 'POST', body: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  await go('/api/v1/admin/auth-cache', { method: 'DELETE' });
  return statuses;
}

const pglite = DRIVERS.find((d) => d.name === 'pglite')!;
let identity: IdentityServer;
const apps: TestApp[] = [];

beforeAll(async () => {
  identity = await startIdentityServer(answerFor);
});
afterAll(async () => {
  for (const t of apps) await t.close();
  await identity?.close();
  await provider.shutdown();
});

describe('no secret in logs, spans, responses or check-auth output', () => {
  it('runs the whole workload and finds the marker nowhere', async () => {
    const database = (await buildTestApp(pglite)).database;
    const protocols: Partial<AuthConfig>[] = [
      { protocol: 'formgate' },
      { protocol: 'oidc' },
      { protocol: 'introspection', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    ];
    const seen = new Set<number>();
    const ALL = { forms: 'all', documents: 'all' } as const;
    const WRITES = { forms: 'writes', documents: 'writes' } as const;
    const variants = [...protocols.map((auth) => ({ auth, protect: ALL })), { auth: protocols[0]!, protect: WRITES }];
    for (const { auth, protect } of variants) {
      {
        const t = await buildTestApp(pglite, { database, authUrl: identity.url, auth: { ...auth, healthUrl: identity.healthUrl }, protect, logLevel: 'trace' });
        apps.push(t);
        const what = `${auth.protocol} ${protect.forms}`;
        for (const behaviour of BEHAVIOURS) (await everyRoute(t, `${what} ${behaviour}`, `Bearer ${token(behaviour)}`)).forEach((s) => seen.add(s));
        for (const header of [undefined, `Bearer ${token('x')} extra`, `Basic ${MARKER}`, `Token ${MARKER}`, `Bearer\t${MARKER}`]) {
          (await everyRoute(t, `${what} header ${header === undefined ? 'none' : 'malformed'}`, header)).forEach((s) => seen.add(s));
        }
      }
    }
    // An identity service nobody answers at, and one whose health check fails.
    const unreachable = await buildTestApp(pglite, { database, authUrl: `http://127.0.0.1:${await closedPort()}/validate`, protect: { forms: 'all', documents: 'all' }, logLevel: 'trace' });
    apps.push(unreachable);
    (await everyRoute(unreachable, 'unreachable', `Bearer ${token('valid')}`)).forEach((s) => seen.add(s));
    identity.answerHealth({ status: 500, body: `unhealthy; last token ${token('valid')}` });
    const unhealthy = await buildTestApp(pglite, { database, authUrl: identity.url, auth: { healthUrl: identity.healthUrl }, protect: { forms: 'all', documents: 'all' }, logLevel: 'trace' });
    apps.push(unhealthy);
    await record(unhealthy, 'unhealthy', '/health', { headers: { authorization: `Bearer ${token('valid')}` } });

    // check-auth's report for each kind of answer, as `formgate check-auth` prints it.
    for (const auth of protocols) {
      const config = { ...authConfig(identity.url, { ...auth, healthUrl: identity.healthUrl }), url: identity.url };
      for (const behaviour of BEHAVIOURS) capture(`check-auth ${auth.protocol} ${behaviour}`, formatReport(config, await checkAuth(config, token(behaviour))).text);
    }

    // The workload reached every outcome it is meant to test.
    for (const status of [200, 201, 204, 400, 401, 403, 404, 412, 415, 502, 503]) expect([...seen], `status ${status}`).toContain(status);
    for (const behaviour of ['echo', 'echotext', 'echojson']) expect(identity.calls.some((c) => c.token === token(behaviour))).toBe(true);
    // The echoing endpoint did quote the client's Basic credentials back, so their absence below means something.
    expect(identity.calls.some((c) => c.headers.authorization === `Basic ${BASIC_CREDENTIALS}`)).toBe(true);

    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(100);
    for (const span of spans) {
      capture(`span ${span.name}`, JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events, status: span.status, links: span.links, resource: span.resource.attributes }));
    }
    for (const t of apps) for (const line of t.logs) capture(`log ${String(line.msg)}`, JSON.stringify(line));
    expect(apps.reduce((n, t) => n + t.logs.length, 0)).toBeGreaterThan(100);

    const leaks = captured.flatMap((c) => SECRET_FORMS.filter((form) => c.text.includes(form)).map((form) => ({ ...c, form })));
    const shown = leaks.slice(0, 10).map((l) => `${l.what} -> …${l.text.slice(Math.max(0, l.text.indexOf(l.form) - 150), l.text.indexOf(l.form) + 60)}…`);
    expect(shown, `${leaks.length} captures hold a secret`).toEqual([]);
  }, 60_000);
});
