import type { IdentityServer } from './identity-server.ts';
import { fetchWithin, startServe, type ServerProcess } from './process.ts';

/**
 * Replicas of `formgate serve` on one PostgreSQL database, as processes, and the questions the revocation
 * tests ask them: did this request make the replica ask the identity service, and does it come to that
 * within a bound once another replica revoked something.
 */

export const ADMIN = '/api/v1/admin/auth-cache';
export const REVOCATIONS = '/api/v1/admin/auth-cache/revocations';

/** The flags every replica shares; `extra` adds the protocol's. */
export function replicaArgs(databaseUrl: string, extra: readonly string[]): string[] {
  return ['--port', '0', '--database-url', databaseUrl, '--forms', 'test/fixtures/forms.yaml', '--log-level', 'info', '--protect', 'all', ...extra];
}

export function startReplicas(count: number, args: readonly string[]): Promise<ServerProcess[]> {
  return Promise.all(Array.from({ length: count }, () => startServe(args)));
}

export interface Answer {
  readonly status: number;
  readonly requestId: string;
}

export async function me(replica: ServerProcess, token: string): Promise<Answer> {
  const res = await fetchWithin(`${replica.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return { status: res.status, requestId: res.headers.get('x-request-id') ?? '' };
}

/** Whether this request to `replica` made it call the identity service (the call carries the request's id). */
export async function asked(identity: IdentityServer, replica: ServerProcess, token: string): Promise<boolean> {
  const { status, requestId } = await me(replica, token);
  if (status !== 200) throw new Error(`expected 200 from ${replica.url}, got ${status}`);
  return identity.calls.some((c) => c.headers['x-request-id'] === requestId);
}

/**
 * Polls `check` every 50 ms for at most `ms` (a count bound too, in case the machine stalls): true as soon
 * as it holds, false when the time is up.
 */
export async function within(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < Math.ceil(ms / 50) + 1; i++) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export async function adminCall(replica: ServerProcess, token: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetchWithin(`${replica.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
