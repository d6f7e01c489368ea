import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import postgres from 'postgres';

/**
 * The fault tests' hold on PostgreSQL: read a test database directly, cut its connections, and stop or
 * restart the whole server (the Debian cluster tools, as root). Whatever a test did, `ensureRunning()`
 * brings the server back, because every test after it needs it.
 */

const run = promisify(execFile);

/** The ids of every document in the database, read directly (not through Formgate). */
export async function documentIds(url: string): Promise<Set<string>> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const rows = await sql<{ id: string }[]>`select id from documents`;
    return new Set(rows.map((r) => r.id));
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** What is stored of each document: how many versions it has, and how many of them are `create`. */
export async function storedHistories(url: string): Promise<Map<string, { versions: number; creates: number }>> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const rows = await sql<{ id: string; versions: number; creates: number }[]>`
      select d.id, count(v.version)::int as versions, count(v.version) filter (where v.action = 'create')::int as creates
      from documents d left join document_versions v on v.document_id = d.id
      group by d.id`;
    return new Map(rows.map((r) => [r.id, { versions: r.versions, creates: r.creates }]));
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Ends every connection to the database `url` names (Formgate's pool); returns how many it ended. */
export async function terminateBackends(url: string): Promise<number> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const rows = await sql<{ ended: boolean }[]>`
      select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
    return rows.filter((r) => r.ended).length;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export interface Cluster {
  readonly version: string;
  readonly name: string;
}

/** The local cluster (`/etc/postgresql/<version>/main`), or undefined where the Debian tools are not set up. */
export function localCluster(): Cluster | undefined {
  if (!existsSync('/etc/postgresql') || !existsSync('/usr/bin/pg_ctlcluster')) return undefined;
  const versions = readdirSync('/etc/postgresql').filter((v) => existsSync(`/etc/postgresql/${v}/main`));
  const version = versions.sort((a, b) => Number(b) - Number(a))[0];
  return version === undefined ? undefined : { version, name: 'main' };
}

/** `pg_ctlcluster VERSION main stop|start|restart`, straight to pg_ctl (no systemd here), bounded in time. */
export async function controlCluster(cluster: Cluster, action: 'stop' | 'start' | 'restart'): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, action], { timeout: 60_000 });
}

/** Whether the server at `url` accepts connections (pg_isready's exit code 0). */
export async function isReady(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  try {
    await run('pg_isready', ['-q', '-h', hostname, '-p', port || '5432', '-t', '2'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Waits (at most `tries` × 250 ms) until the server accepts connections. */
export async function waitReady(url: string, tries = 120): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await isReady(url)) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** Starts the cluster if it is down and waits until it is ready: for `afterAll`, whatever the test did. */
export async function ensureRunning(cluster: Cluster, url: string): Promise<void> {
  if (await isReady(url)) return;
  await controlCluster(cluster, 'start').catch(() => {
    // Already starting, or a stale pid file: the readiness wait below decides.
  });
  if (!(await waitReady(url))) throw new Error(`PostgreSQL ${cluster.version}/${cluster.name} did not come back; start it by hand`);
}
