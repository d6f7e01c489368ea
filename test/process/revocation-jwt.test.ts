import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../support/databases.ts';
import { startKeySetServer, type KeySetServer } from '../support/key-set-server.ts';
import { killAll, startServe, type ServerProcess } from '../support/process.ts';
import { ADMIN, adminCall, me, replicaArgs, REVOCATIONS, within } from '../support/replicas.ts';

/**
 * Revocation for `--auth-protocol jwt`, where nothing is asked again: replicas of `formgate serve` on one
 * real PostgreSQL, checking tokens signed by a real key set on 127.0.0.1. A revoked token, or a revoked
 * user's tokens issued up to the revocation, are refused on every replica within a second, and by a
 * replica started after the revocation (it loads them from the database).
 */

const AUDIENCE = 'formgate-api';
const MAX_LIFETIME_S = 3600;
const PROPAGATION_MS = 1_000;
const nowS = () => Math.floor(Date.now() / 1000);

let keys: KeySetServer;
let args: string[];
let replicas: ServerProcess[] = [];
const tokens: string[] = [];

async function token(sub: string, claims: Record<string, unknown> = {}): Promise<string> {
  const iat = nowS();
  // A jti each: RS256 signatures are deterministic, and two tokens with the same claims would be one.
  const signed = await keys.sign({ iss: keys.issuer, aud: AUDIENCE, sub, iat, exp: iat + 600, jti: randomUUID(), ...claims });
  tokens.push(signed);
  return signed;
}

const status = async (replica: ServerProcess, t: string) => (await me(replica, t)).status;
/** Whether `replica` answers `expected` for this token within the bound. */
const becomes = (replica: ServerProcess, t: string, expected: number) => within(PROPAGATION_MS, async () => (await status(replica, t)) === expected);

let root: string;

beforeAll(async () => {
  keys = await startKeySetServer();
  args = replicaArgs(await createPostgresDatabase(), [
    '--auth-protocol', 'jwt', '--auth-issuer', keys.issuer, '--auth-jwks-url', keys.jwksUrl, '--auth-audience', AUDIENCE,
    '--auth-max-token-lifetime', String(MAX_LIFETIME_S),
  ]);
  replicas = [await startServe(args)];
  replicas.push(await startServe(args));
  root = await token('root', { groups: ['admin'] });
}, 120_000);

afterAll(async () => {
  await killAll();
  await keys?.close();
});

describe('jwt revocation across replicas on one PostgreSQL', { timeout: 120_000 }, () => {
  it('a revoked token is refused on every replica within a second, until its exp', async () => {
    const [a, b] = replicas as [ServerProcess, ServerProcess];
    const revoked = await token('alice');
    const other = await token('alice');
    for (const replica of [a, b]) expect(await status(replica, revoked)).toBe(200);
    const before = Date.now();
    const answer = await adminCall(a, root, REVOCATIONS, { method: 'POST', body: JSON.stringify({ token: revoked }) });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ replicas: 2, cleared: 1 });
    // Its exp is 600 s after its iat; the default clock tolerance may add a little.
    const until = Date.parse(String(answer.body.refusedUntil));
    expect(until).toBeGreaterThanOrEqual(before + 590_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 600_000 + 300_000);
    expect(await status(a, revoked)).toBe(401);
    expect(await becomes(b, revoked, 401)).toBe(true);
    // The same user's other token is not revoked.
    for (const replica of [a, b]) expect(await status(replica, other)).toBe(200);
  });

  it('a revoked user’s tokens are refused everywhere; a token issued after the revocation is accepted', async () => {
    const [a, b] = replicas as [ServerProcess, ServerProcess];
    const old = await token('bob');
    const older = await token('bob', { iat: nowS() - 60 });
    for (const replica of [a, b]) for (const t of [old, older]) expect(await status(replica, t)).toBe(200);
    const answer = await adminCall(b, root, `${ADMIN}?user=bob`, { method: 'DELETE' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ replicas: 2, user: 'bob' });
    const revokedAt = Date.now();
    const until = Date.parse(String(answer.body.refusedUntil));
    expect(until).toBeGreaterThan(revokedAt + (MAX_LIFETIME_S - 5) * 1000);
    expect(await status(b, old)).toBe(401);
    expect(await becomes(a, old, 401)).toBe(true);
    for (const replica of [a, b]) expect(await status(replica, older)).toBe(401);
    // The revocation's second counts as before it: a token is new once its iat is a later second.
    const newIat = Math.ceil(revokedAt / 1000) + 1;
    await within(3_000, async () => nowS() >= newIat);
    const fresh = await token('bob', { iat: newIat, exp: newIat + 600 });
    for (const replica of [a, b]) expect(await status(replica, fresh)).toBe(200);
  });

  it('a replica started after the revocations refuses them, and counts them as held', async () => {
    const revokedToken = tokens[1]!;
    const oldBob = tokens[3]!;
    const later = await startServe(args);
    replicas.push(later);
    expect(await status(later, revokedToken)).toBe(401);
    expect(await status(later, oldBob)).toBe(401);
    expect(await status(later, tokens[2]!)).toBe(200);
    const stats = await adminCall(later, root, ADMIN);
    expect(stats.status).toBe(200);
    expect(stats.body.revocations).toMatchObject({ held: 2, received: 0, users: 0, tokens: 0 });
    const counted = await adminCall(later, root, ADMIN, { method: 'DELETE' });
    expect(counted.body).toMatchObject({ replicas: 3 });
    // Emptying the cache is no way around a jwt revocation.
    expect(await status(replicas[0]!, revokedToken)).toBe(401);
  });

  it('every replica stops cleanly on SIGTERM and never logged a token', async () => {
    for (const replica of replicas) expect(await replica.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    for (const output of replicas.map((r) => r.stdout() + r.stderr())) {
      for (const t of tokens) for (const part of t.split('.')) expect(output).not.toContain(part);
    }
  });
});
