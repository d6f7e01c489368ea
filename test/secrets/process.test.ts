import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentityServer, type IdentityServer, type RecordedCall, type ScriptedAnswer } from '../support/identity-server.ts';
import { FIXTURE_FORMS } from '../support/forms.ts';
import { exportingTo, startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';
import { killAll, startServe, type ServerProcess } from '../support/process.ts';

/**
 * The same promise as no-secrets.test.ts, kept by a real `formgate serve` process: everything it writes to
 * stdout and stderr at `--log-level trace`, everything its OpenTelemetry SDK exports, and every answer it
 * gives, while tokens carrying a marker are valid, rejected, echoed back by a broken identity service,
 * quoted in a 401 or a 503 from it, or hung up on, and while the introspection secret is on the command
 * line. The in-process test sees more paths; this one sees what the process itself prints, the logger's
 * real destination included.
 */

const MARKER = `SeCrEt${randomBytes(6).toString('hex')}`;
const CLIENT_SECRET = `${MARKER}-client-secret`;
const token = (behaviour: string, n = 0) => `${MARKER}-${behaviour}-${n}`;
/** The Basic credentials `--auth-client-id formgate` and the secret travel as. */
const BASIC = Buffer.from(`formgate:${CLIENT_SECRET}`).toString('base64');
/**
 * Every form of a secret searched for: the marker (any token, the secret, a token's first 20 characters)
 * and its base64 and base64url. The marker is 18 bytes, whole base64 groups, so a token's encoding starts
 * with the marker's, and so does the encoding of the Basic credentials after `formgate:` (9 bytes).
 */
const SECRET_FORMS = [MARKER, Buffer.from(MARKER).toString('base64'), Buffer.from(MARKER).toString('base64url')];
const variants = (tok: string) => [Buffer.from(tok).toString('base64'), Buffer.from(tok).toString('base64url'), encodeURIComponent(tok), tok.slice(0, 20)];

function answerFor(call: RecordedCall): ScriptedAnswer {
  const tok = call.token ?? '';
  switch (tok.slice(MARKER.length + 1).split('-')[0]) {
    case 'valid':
      return { status: 200, body: { active: true, sub: 'alice', groups: ['admin'] } };
    case 'rejected':
      return { status: 200, body: { active: false, note: tok } };
    case 'echo':
      return { status: 200, body: { active: 'yes', sub: 42, note: tok } };
    case 'echotext':
      // A plain-text error quoting the request: the Authorization header (Basic credentials) and the form.
      return { status: 400, headers: { 'content-type': 'text/plain' }, body: `bad request\nauthorization: ${call.headers.authorization}\n\n${call.body}\n${variants(tok).join('\n')}` };
    case 'echojson':
      return { status: 200, body: { active: true, sub: '', headers: call.headers, body: call.body, variants: variants(tok) } };
    case 'down':
      return { status: 503, body: `overloaded while checking ${tok}`, headers: { 'retry-after': '3' } };
    case 'hangup':
      return { hangUp: true };
    default:
      // The introspection endpoint refusing Formgate itself (its client credentials), quoting the token.
      return { status: 401, body: { error: 'invalid_client', token: tok } };
  }
}

let identity: IdentityServer;
let receiver: OtlpReceiver;
let server: ServerProcess;
const answers: string[] = [];

beforeAll(async () => {
  identity = await startIdentityServer(answerFor);
  receiver = await startOtlpReceiver();
  server = await startServe(
    [
      '--database-url', 'memory://',
      '--forms', FIXTURE_FORMS,
      '--port', '0',
      '--log-level', 'trace',
      '--protect', 'all',
      '--auth-protocol', 'introspection',
      '--auth-url', identity.url,
      '--auth-client-id', 'formgate',
      '--auth-client-secret', CLIENT_SECRET,
      '--auth-timeout', '2000',
    ],
    {
      env: exportingTo(receiver.endpoint),
    },
  );
}, 60_000);

afterAll(async () => {
  await killAll();
  await identity?.close();
  await receiver?.close();
});

async function send(path: string, init: RequestInit = {}): Promise<number> {
  const res = await fetch(server.url + path, init);
  const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  answers.push(`${res.status}\n${headers}\n${await res.text()}`);
  return res.status;
}

const bearer = (tok: string, extra: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${tok}`, ...extra } });

describe('a formgate serve process', () => {
  it('writes no token or client secret to stdout, stderr, exported spans or answers', async () => {
    const notes = '/api/v1/forms/notes/documents';
    expect(await send('/api/v1/me', bearer(token('valid')))).toBe(200);
    expect(await send('/api/v1/me', bearer(token('valid')))).toBe(200); // from the cache
    expect(await send(notes, { method: 'POST', ...bearer(token('valid'), { 'content-type': 'application/json' }), body: JSON.stringify({ title: 'x' }) })).toBe(201);
    expect(await send('/api/v1/me', bearer(token('rejected')))).toBe(401);
    expect(await send('/api/v1/me', bearer(token('refused')))).toBe(502);
    expect(await send('/api/v1/me', bearer(token('echo')))).toBe(502);
    expect(await send('/api/v1/me', bearer(token('echotext')))).toBe(502);
    expect(await send('/api/v1/me', bearer(token('echojson')))).toBe(502);
    // The endpoint did quote the Basic credentials back, so their absence below means something.
    expect(identity.calls.some((c) => c.headers.authorization === `Basic ${BASIC}`)).toBe(true);
    expect(Buffer.from(BASIC, 'base64').toString()).toContain(SECRET_FORMS[0]);
    expect(BASIC).toContain(SECRET_FORMS[1]);
    expect(await send('/api/v1/me', bearer(token('down')))).toBe(503);
    expect(await send('/api/v1/me', bearer(token('hangup')))).toBe(503);
    // Malformed headers and a token in the query string, where nothing should take one.
    expect(await send('/api/v1/me', { headers: { authorization: `Bearer ${token('two')} words` } })).toBe(401);
    expect(await send('/api/v1/me', { headers: { authorization: `Basic ${token('basic')}` } })).toBe(401);
    expect(await send(`/api/v1/me?access_token=${token('query')}`)).toBe(401);
    expect(identity.calls.length).toBeGreaterThanOrEqual(8);

    const exit = await server.stop('SIGTERM');
    expect(exit.code).toBe(0);
    // The workload did reach every place searched: a line per request, the spans, the answers.
    expect(server.logs.filter((l) => l.msg === 'request' || l.msg === 'request failed').length).toBeGreaterThanOrEqual(13);
    expect(receiver.spans.map((s) => s.name)).toEqual(expect.arrayContaining(['identity.validate', 'POST']));

    const places = { stdout: server.stdout(), stderr: server.stderr(), spans: receiver.bodies.join('\n'), answers: answers.join('\n\n') };
    for (const [place, text] of Object.entries(places)) {
      for (const form of SECRET_FORMS) {
        const at = text.indexOf(form);
        expect(at, `${place}: …${text.slice(Math.max(0, at - 200), at + 100)}…`).toBe(-1);
      }
    }
  });
});
