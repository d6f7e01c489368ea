import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { identityHealthCheck, IDENTITY_HEALTH_KEEP_MS } from '../../src/auth/health-check.ts';
import type { ProtectConfig } from '../../src/auth/protection.ts';
import type { Database } from '../../src/db/connect.ts';
import { buildTestApp, type TestApp } from '../support/app.ts';
import { DRIVERS, openMigratedDatabase } from '../support/databases.ts';
import { closedPort, startIdentityServer, type IdentityServer } from '../support/identity-server.ts';

/**
 * /health with the identity service's own health endpoint (`--auth-health-url`) as one of its checks,
 * against a real HTTP service on 127.0.0.1. The check does not depend on the database driver, so one
 * in-memory PGlite database is shared by every app built here.
 */

interface CheckResult {
  componentType: string;
  status: 'pass' | 'warn' | 'fail';
  observedValue: number;
  observedUnit: string;
  time: string;
  output?: string;
}

interface Health {
  status: 'pass' | 'warn' | 'fail';
  description: string;
  checks: Record<string, CheckResult[]>;
}

const IDENTITY = 'identity-service:responseTime';
const DATABASE = 'database:responseTime';
const SOME_PROTECTED: ProtectConfig = { forms: 'none', documents: 'all' };
const NONE_PROTECTED: ProtectConfig = { forms: 'none', documents: 'none' };

let database: Database;

beforeAll(async () => {
  database = await openMigratedDatabase(DRIVERS[0]!);
});
afterAll(() => database?.close());

async function identityService(): Promise<IdentityServer> {
  const server = await startIdentityServer();
  onTestFinished(() => server.close());
  return server;
}

function app(server: Pick<IdentityServer, 'url'>, healthUrl: string | null, protect: ProtectConfig, timeoutMs = 2000): Promise<TestApp> {
  return buildTestApp(DRIVERS[0]!, { database, protect, auth: { url: server.url, healthUrl, timeoutMs } });
}

async function health(t: TestApp): Promise<{ status: number; text: string; body: Health }> {
  const res = await t.app.request('/health');
  expect(res.headers.get('content-type')).toMatch(/^application\/health\+json/);
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Health };
}

function check(body: Health, name: string): CheckResult {
  const entry = body.checks[name];
  expect(entry, `no ${name} in ${JSON.stringify(body)}`).toHaveLength(1);
  return entry![0]!;
}

/** The warning /health logs for a failed check: the place where its cause is told. */
function failureLog(t: TestApp) {
  return t.logs.filter((l) => l.msg === 'health check failed' && l.check === IDENTITY);
}

describe('/health with the identity service', () => {
  it('passes with a healthy service, reporting how long its health endpoint took in ms', async () => {
    const server = await identityService();
    const t = await app(server, server.healthUrl, SOME_PROTECTED);
    const { status, text, body } = await health(t);

    expect(status).toBe(200);
    expect(body.status).toBe('pass');
    const identity = check(body, IDENTITY);
    expect(identity).toMatchObject({ componentType: 'component', status: 'pass', observedUnit: 'ms' });
    expect(typeof identity.observedValue).toBe('number');
    expect(identity.observedValue).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(Date.parse(identity.time))).toBe(false);
    expect(check(body, DATABASE).status).toBe('pass');
    expect(server.healthCalls).toHaveLength(1);
    expect(server.healthCalls[0]!.method).toBe('GET');
    expect(text).not.toContain(new URL(server.origin).host);
  });

  it('fails (503) when the health endpoint answers 503 while a domain needs a token; the database still passes', async () => {
    const server = await identityService();
    server.answerHealth({ status: 503, body: { status: 'fail' } });
    const t = await app(server, server.healthUrl, SOME_PROTECTED);
    const { status, text, body } = await health(t);

    expect(status).toBe(503);
    expect(body.status).toBe('fail');
    expect(check(body, IDENTITY)).toMatchObject({ status: 'fail', observedUnit: 'ms', output: expect.any(String) });
    expect(check(body, DATABASE).status).toBe('pass');

    // The cause names the service's answer; it goes to the log, not to whoever polls /health.
    expect(failureLog(t)).toHaveLength(1);
    expect(failureLog(t)[0]).toMatchObject({ critical: true, reason: expect.stringContaining('503') });
    expect(text).not.toContain(String(failureLog(t)[0]!.reason));
    expect(text).not.toContain(new URL(server.origin).host);
  });

  it('fails (503) when the health endpoint is unreachable and forms needs a token for writes', async () => {
    const server = await identityService();
    const healthUrl = `http://127.0.0.1:${await closedPort()}/healthz`;
    const t = await app(server, healthUrl, { forms: 'writes', documents: 'none' });
    const { status, text, body } = await health(t);

    expect(status).toBe(503);
    expect(body.status).toBe('fail');
    expect(check(body, IDENTITY).status).toBe('fail');
    expect(check(body, DATABASE).status).toBe('pass');
    expect(failureLog(t)).toHaveLength(1);
    expect(failureLog(t)[0]!.reason).toEqual(expect.any(String));
    expect(text).not.toContain(new URL(healthUrl).host);
    expect(text).not.toContain(String(failureLog(t)[0]!.reason));
  });

  it('only warns (200) about a failing identity service while no domain needs a token', async () => {
    const server = await identityService();
    server.answerHealth({ status: 503 });
    const t = await app(server, server.healthUrl, NONE_PROTECTED);
    const { status, text, body } = await health(t);

    expect(status).toBe(200);
    expect(body.status).toBe('warn');
    expect(check(body, IDENTITY).status).toBe('warn');
    expect(check(body, DATABASE).status).toBe('pass');
    expect(failureLog(t)[0]).toMatchObject({ critical: false, reason: expect.stringContaining('503') });
    expect(text).not.toContain(new URL(server.origin).host);
  });

  it('has no identity check with --auth-health-url none', async () => {
    const server = await identityService();
    const t = await app(server, null, SOME_PROTECTED);
    const { status, body } = await health(t);

    expect(status).toBe(200);
    expect(Object.keys(body.checks)).toEqual([DATABASE]);
    expect(server.healthCalls).toHaveLength(0);
  });

  it('fails a hanging health endpoint within the timeout, long before it would answer', async () => {
    const server = await identityService();
    server.answerHealth({ status: 200, delayMs: 20_000 });
    const t = await app(server, server.healthUrl, SOME_PROTECTED, 300);
    const started = Date.now();
    const { status, body } = await health(t);
    const elapsed = Date.now() - started;

    expect(status).toBe(503);
    const identity = check(body, IDENTITY);
    expect(identity.status).toBe('fail');
    // It waited for its timeout rather than failing at once, and did not wait for the 20 s answer.
    expect(identity.observedValue).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(10_000);
    expect(server.healthCalls).toHaveLength(1);
  });
});

describe('the identity health check is cached, so /health cannot hammer the service', () => {
  it('30 concurrent and then sequential /health requests within the window make one call', async () => {
    const server = await identityService();
    const t = await app(server, server.healthUrl, SOME_PROTECTED);

    const concurrent = await Promise.all(Array.from({ length: 30 }, () => health(t)));
    const sequential = [];
    for (let i = 0; i < 5; i++) sequential.push(await health(t));

    expect(server.healthCalls).toHaveLength(1);
    const all = [...concurrent, ...sequential];
    expect(all.every((r) => r.status === 200 && check(r.body, IDENTITY).status === 'pass')).toBe(true);
    // Every answer shows the one look it shares, with that look's time.
    expect(new Set(all.map((r) => check(r.body, IDENTITY).time)).size).toBe(1);
  });

  it('looks again once keepMs has passed, and a recovered service turns the check back to pass', async () => {
    const server = await identityService();
    server.answerHealth({ status: 503 });
    let now = 1_000_000;
    const identity = identityHealthCheck({ url: server.healthUrl, timeoutMs: 2000, critical: true, keepMs: 1000, now: () => now });
    expect(identity).toMatchObject({ name: IDENTITY, componentType: 'component', critical: true });

    expect((await identity.run()).status).toBe('fail');
    server.answerHealth({ status: 200 });
    now += 999;
    // Still inside the window: the failure is reused, the recovered service is not asked.
    expect((await identity.run()).status).toBe('fail');
    expect(server.healthCalls).toHaveLength(1);

    now += 1;
    expect((await identity.run()).status).toBe('pass');
    expect(server.healthCalls).toHaveLength(2);
  });

  it('keeps a look for a few seconds by default', async () => {
    const server = await identityService();
    let now = 0;
    const identity = identityHealthCheck({ url: server.healthUrl, timeoutMs: 2000, critical: false, now: () => now });
    expect(IDENTITY_HEALTH_KEEP_MS).toBeGreaterThanOrEqual(1000);
    expect(IDENTITY_HEALTH_KEEP_MS).toBeLessThanOrEqual(30_000);

    await identity.run();
    now = IDENTITY_HEALTH_KEEP_MS - 1;
    await identity.run();
    expect(server.healthCalls).toHaveLength(1);
    now = IDENTITY_HEALTH_KEEP_MS;
    await identity.run();
    expect(server.healthCalls).toHaveLength(2);
  });
});
