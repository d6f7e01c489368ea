import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../support/databases.ts';
import { startIdentityServer, type IdentityServer } from '../support/identity-server.ts';
import { killAll, startServe, type ServerProcess } from '../support/process.ts';
import { ADMIN, adminCall, asked, replicaArgs, REVOCATIONS, startReplicas, within } from '../support/replicas.ts';

/**
 * Revocation across replicas: two, then three `formgate serve` processes (`--auth-protocol formgate`) on
 * one real PostgreSQL database, and a real identity service that records every call with the request id
 * Formgate sent, so each request can say whether it made its replica ask. A revocation made on one
 * replica must make every other one ask again within a second, for what it revoked and nothing else.
 */

const ROOT = 'fgtok-RevokeRoot-Qw81';
const ALICE = 'fgtok-RevokeAlice-Ty27';
const ALICE_2 = 'fgtok-RevokeAliceTwo-Mn45';
const BOB = 'fgtok-RevokeBob-Zx63';
const SHARED = 'fgtok-RevokeShared-Lp09';
const TOKENS = [ROOT, ALICE, ALICE_2, BOB, SHARED];
const USERS: Record<string, object> = {
  [ROOT]: { userId: 'root', groups: ['admin'] },
  [ALICE]: { userId: 'alice' },
  [ALICE_2]: { userId: 'alice' },
  [BOB]: { userId: 'bob' },
  [SHARED]: { userId: 'carol' },
};
/** The bound the issue sets: seen on every other replica within a second. */
const PROPAGATION_MS = 1_000;

let identity: IdentityServer;
let args: string[];
let replicas: ServerProcess[] = [];

beforeAll(async () => {
  identity = await startIdentityServer((call) => {
    const user = USERS[call.token ?? ''];
    return user ? { status: 200, body: user } : { status: 401 };
  });
  args = replicaArgs(await createPostgresDatabase(), ['--auth-url', identity.url, '--auth-health-url', 'none']);
  // The first start migrates; the others then find nothing to apply (and would take turns anyway).
  replicas = [await startServe(args)];
  replicas.push(...(await startReplicas(1, args)));
}, 120_000);

afterAll(async () => {
  await killAll();
  await identity?.close();
});

/** Every token on every replica, until each answers from its cache. */
async function warm(on: readonly ServerProcess[], tokens: readonly string[] = TOKENS) {
  for (const replica of on) for (const token of tokens) {
    await asked(identity, replica, token);
    expect(await asked(identity, replica, token), `${token} cached on ${replica.url}`).toBe(false);
  }
}

/** Whether `replica` asks about `token` again within the bound (each try that is answered from the cache waits 50 ms). */
const asksAgain = (replica: ServerProcess, token: string) => within(PROPAGATION_MS, () => asked(identity, replica, token));

describe('revocation across replicas on one PostgreSQL', { timeout: 120_000 }, () => {
  it('two replicas: emptying the cache on one makes the other ask again within a second', async () => {
    const [a, b] = replicas as [ServerProcess, ServerProcess];
    await warm([a, b]);
    const cleared = await adminCall(a, ROOT, ADMIN, { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ replicas: 2, cleared: TOKENS.length });
    expect(cleared.body).not.toHaveProperty('refusedUntil');
    expect(await asksAgain(b, ALICE)).toBe(true);
    expect(await asksAgain(b, BOB)).toBe(true);
    await b.waitForLog((l) => l.msg === 'revocation received from another replica' && l.what === 'all', 2_000);
  });

  it('three replicas: ?user= drops only that user’s identities on every replica', async () => {
    replicas.push(await startServe(args));
    const [a, b, c] = replicas as [ServerProcess, ServerProcess, ServerProcess];
    await warm([a, b, c]);
    const dropped = await adminCall(b, ROOT, `${ADMIN}?user=alice`, { method: 'DELETE' });
    expect(dropped.status).toBe(200);
    expect(dropped.body).toMatchObject({ replicas: 3, user: 'alice', cleared: 2 });
    for (const replica of [a, c]) {
      expect(await asksAgain(replica, ALICE)).toBe(true);
      expect(await asksAgain(replica, ALICE_2)).toBe(true);
    }
    // Once alice's tokens were dropped, bob's are still kept everywhere: no call.
    for (const replica of [a, b, c]) expect(await asked(identity, replica, BOB)).toBe(false);
    const logged = await b.waitForLog((l) => l.msg === 'auth cache revocation' && (l.revocation as { what?: string })?.what === 'user', 2_000);
    expect(logged).toMatchObject({ by: 'root', replicas: 3, revocation: { user: 'alice' } });
  });

  it('three replicas: POST revocations drops one token everywhere, named by its key', async () => {
    const [a, b, c] = replicas as [ServerProcess, ServerProcess, ServerProcess];
    await warm([a, b, c], [SHARED, BOB]);
    const revoked = await adminCall(c, ROOT, REVOCATIONS, { method: 'POST', body: JSON.stringify({ token: SHARED }) });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ replicas: 3, cleared: 1 });
    for (const replica of [a, b]) expect(await asksAgain(replica, SHARED)).toBe(true);
    for (const replica of [a, b, c]) expect(await asked(identity, replica, BOB)).toBe(false);
    const heard = await a.waitForLog((l) => l.msg === 'revocation received from another replica' && l.what === 'token', 2_000);
    expect(heard.key).toMatch(/^[A-Za-z0-9_-]{8}$/);
  });

  it('a replica stopped is no longer counted; every replica stops cleanly on SIGTERM and never logged a token', async () => {
    const c = replicas.pop()!;
    expect(await c.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const [a] = replicas as [ServerProcess];
    // Its session leaves pg_stat_activity as its connection closes: bounded, not instant.
    const counted = await within(5_000, async () => (await adminCall(a, ROOT, ADMIN, { method: 'DELETE' })).body.replicas === 2);
    expect(counted).toBe(true);
    for (const replica of replicas) expect(await replica.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    for (const output of [...replicas, c].map((r) => r.stdout() + r.stderr())) for (const token of TOKENS) expect(output).not.toContain(token);
  });
});
