import { afterAll, describe, it } from 'vitest';
import { startIdentityServer, type RecordedCall } from '../support/identity-server.ts';
import { fetchWithin, killAll, runCli, startServe } from '../support/process.ts';

/**
 * A real `formgate serve` with an identity service: what its startup line says about protection, and a
 * real request carried through a real identity service on 127.0.0.1 and back.
 */

// Distinctive, so that finding either anywhere in the process's output can only mean a leak.
const TOKEN = 'fgtok-ServeAuthSentinel-Kx93Lm';
const ECHOED = 'fgtok-EchoedBackSentinel-Pq41Zt';
const MACHINE = 'fgtok-ClientCredentialsSentinel-Wv27Hd';

const NOTES = '/api/v1/forms/notes/documents';

afterAll(killAll);

describe.concurrent('serve with an identity service', { timeout: 60_000 }, () => {
  it('logs the protection table at startup, and a request with a token is checked by the service and made as its user', async ({ expect, onTestFinished }) => {
    const identity = await startIdentityServer((call: RecordedCall) => {
      if (call.token === TOKEN) return { status: 200, body: { userId: 'u-serve-1', name: 'Ada', groups: ['staff'] } };
      // A broken answer that repeats the token back: the log's copy of it must not.
      if (call.token === ECHOED) return { status: 200, body: { userId: '', echo: `token ${ECHOED}` } };
      return { status: 401 };
    });
    onTestFinished(() => identity.close());
    const server = await startServe([
      '--port', '0', '--database-url', 'memory://', '--forms', 'test/fixtures/forms.yaml', '--log-level', 'info',
      '--auth-url', identity.url, '--protect', 'documents=all', '--protect', 'forms=writes',
    ]);
    onTestFinished(() => server.kill());

    const started = server.logs.find((l) => l.msg.startsWith('Formgate listening on'))!;
    expect(started.protect).toMatchObject({ forms: 'writes', documents: 'all', admin: 'token from group "admin"' });
    expect(started.identityService).toMatchObject({ protocol: 'formgate', url: identity.url });

    const created = await fetchWithin(`${server.url}${NOTES}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ title: 'from a process' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const doc = (await created.json()) as { id: string; createdBy: string | null };
    expect(doc.createdBy).toBe('u-serve-1');

    // The service heard of this request under the id Formgate gave it, so the two logs join up.
    expect(identity.calls).toHaveLength(1);
    expect(identity.calls[0]!.token).toBe(TOKEN);
    const requestId = created.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    expect(identity.calls[0]!.headers['x-request-id']).toBe(requestId);

    // documents=all: even a read needs a token. forms=writes: reading a form needs none.
    const anonymous = await fetchWithin(`${server.url}${NOTES}/${doc.id}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="formgate"/);
    expect((await fetchWithin(`${server.url}/api/v1/forms/notes`)).status).toBe(200);

    const broken = await fetchWithin(`${server.url}${NOTES}/${doc.id}`, { headers: { authorization: `Bearer ${ECHOED}` } });
    expect(broken.status).toBe(502);
    await server.waitForLog((l) => l.msg === 'request failed' && l.status === 502);

    // Everything the process wrote, once it has stopped and flushed.
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const output = server.stdout() + server.stderr();
    expect(output).toContain("The identity service didn't respond as expected at .userId");
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(ECHOED);
  });

  it('introspection: a client-credentials token without sub acts as its client_id, a machine client', async ({ expect, onTestFinished }) => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const identity = await startIdentityServer((call: RecordedCall) =>
      call.token === MACHINE ? { status: 200, body: { active: true, client_id: 'reporting-job', scope: 'reports:read', token_type: 'Bearer', exp } } : { status: 200, body: { active: false } },
    );
    onTestFinished(() => identity.close());
    const server = await startServe([
      '--port', '0', '--database-url', 'memory://', '--forms', 'test/fixtures/forms.yaml',
      '--auth-url', identity.url, '--auth-protocol', 'introspection', '--auth-client-id', 'formgate', '--auth-client-secret', 'cs-serve-auth',
    ]);
    onTestFinished(() => server.kill());
    const auth = { authorization: `Bearer ${MACHINE}` };

    const me = await fetchWithin(`${server.url}/api/v1/me`, { headers: auth });
    expect(me.status, await me.clone().text()).toBe(200);
    expect(((await me.json()) as { caller: unknown }).caller).toMatchObject({ authenticated: true, kind: 'client', userId: 'reporting-job' });

    const created = await fetchWithin(`${server.url}${NOTES}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'nightly' }) });
    expect(created.status, await created.clone().text()).toBe(201);
    expect(((await created.json()) as { createdBy: string | null }).createdBy).toBe('reporting-job');

    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(server.stdout() + server.stderr()).not.toContain(MACHINE);
  });

  it('refuses --auth-protocol introspection without client credentials: exit 2 naming --auth-client-id', async ({ expect }) => {
    const r = await runCli(['serve', '--port', '0', '--database-url', 'memory://', '--auth-url', 'http://127.0.0.1:1/introspect', '--auth-protocol', 'introspection']);
    expect(r.code).toBe(2);
    expect(r.stderr.replace(/\n$/, '').split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--auth-client-id');
    expect(r.stdout).not.toContain('Formgate listening on');
  });
});
