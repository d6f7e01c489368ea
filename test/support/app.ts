import { STATUS_CODES } from 'node:http';
import { expect } from 'vitest';
import { createHostApp } from '../../src/host.ts';
import { identityClientFor, type IdentityClient } from '../../src/auth/identity-client.ts';
import type { ProtectConfig } from '../../src/auth/protection.ts';
import { createRevocationList } from '../../src/auth/revocation-list.ts';
import { startRevocations, type Revocations } from '../../src/auth/revocations/index.ts';
import type { AuthConfig } from '../../src/auth/settings.ts';
import type { Database } from '../../src/db/connect.ts';
import type { FormRegistry } from '../../src/forms/index.ts';
import { createLogger } from '../../src/logger.ts';
import { openMigratedDatabase, type DriverCase } from './databases.ts';
import { fixtureForms } from './forms.ts';
import type { WebOptions } from '../../src/web/options.ts';

/** One parsed pino line. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

export interface TestAppOptions {
  protect?: ProtectConfig;
  /** The identity-service URL; absent means every domain must be `none`. */
  authUrl?: string;
  /** Overrides of the test auth configuration (`authConfig`). */
  auth?: Partial<AuthConfig>;
  adminGroup?: string;
  /** The identity cache's clock (ms since the epoch), for moving time in tests. */
  now?: () => number;
  maxBodyBytes?: number;
  /** Reuse an open database instead of opening (and owning) a new one. */
  database?: Database;
  forms?: FormRegistry;
  /** The captured logger's level; `info` unless a test wants to see every line Formgate could write. */
  logLevel?: 'info' | 'trace';
  /** Mount the web client with these settings (absent: the API alone, as with --no-ui). */
  web?: Omit<WebOptions, 'api'>;
}

export interface TestApp {
  app: ReturnType<typeof createHostApp>;
  database: Database;
  forms: FormRegistry;
  identityClient: IdentityClient | undefined;
  /** Revocation on this app's database (present with an identity client), as `formgate serve` starts it. */
  revocations: Revocations | undefined;
  /** Every line logged so far, parsed. */
  logs: LogLine[];
  /** The request log lines (msg `request` or `request failed`) with this request id. */
  requestLines(requestId: string): LogLine[];
  /** Closes the database if this helper opened it; once, however often it is called. */
  close(): Promise<void>;
}

export const TEST_MAX_BODY_BYTES = 16 * 1024;

/** What `/api/v1/me` and the form routes say a caller may do on a form (`may`). */
export type Scope = 'all' | 'own' | 'none';
export interface Abilities {
  create: boolean;
  read: Scope;
  update: Scope;
  delete: Scope;
}

const NO_PROTECTION: ProtectConfig = { forms: 'none', documents: 'none' };

/** The auth configuration tests start from: the formgate protocol, no health URL, a small cache. */
export function authConfig(url: string | undefined, overrides: Partial<AuthConfig> = {}): AuthConfig {
  return {
    ...(url === undefined ? {} : { url }),
    protocol: 'formgate',
    healthUrl: null,
    timeoutMs: 2000,
    maxCalls: 32,
    cache: { size: 100, maxTtlS: 300, defaultTtlS: 60, negativeTtlS: 5, staleIfErrorS: 0 },
    groupsClaim: 'groups',
    ...overrides,
  };
}

/** The real app on a migrated database of the given driver, with the fixture forms and a captured logger. */
export async function buildTestApp(driver: DriverCase, options: TestAppOptions = {}): Promise<TestApp> {
  const owned = options.database === undefined;
  const database = options.database ?? (await openMigratedDatabase(driver));
  const forms = options.forms ?? (await fixtureForms());
  const logs: LogLine[] = [];
  let closing: Promise<void> | undefined;
  const logger = createLogger(options.logLevel ?? 'info', {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as LogLine);
    },
  });
  const auth = authConfig(options.authUrl ?? options.auth?.url, options.auth);
  const now = options.now ? { now: options.now } : {};
  const list = createRevocationList(options.now);
  const identityClient = identityClientFor(auth, { logger, revocations: list, ...now });
  const revocations = identityClient && (await startRevocations({ auth, database, client: identityClient, list, logger, ...now }));
  const app = createHostApp({
    config: {
      protect: options.protect ?? NO_PROTECTION,
      adminGroup: options.adminGroup ?? 'admin',
      auth,
      maxBodyBytes: options.maxBodyBytes ?? TEST_MAX_BODY_BYTES,
    },
    database,
    forms,
    logger,
    ...(identityClient ? { identityClient } : {}),
    ...(revocations ? { revocations: revocations.service } : {}),
    ...(options.web ? { web: options.web } : {}),
  });
  return {
    app,
    database,
    forms,
    identityClient,
    revocations,
    logs,
    requestLines: (requestId) => logs.filter((l) => l.requestId === requestId && (l.msg === 'request' || l.msg === 'request failed')),
    close: () => (closing ??= (async () => {
      await revocations?.stop();
      if (owned) await database.close();
    })()),
  };
}

export const PROBLEM_TYPE = 'application/problem+json';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

/**
 * Asserts an RFC 9457 response: the status, `application/problem+json`, and every member Formgate promises
 * (type, title, status, detail, instance = the request's path, requestId = the x-request-id header).
 */
export async function expectProblem(res: Response, status: number, path?: string): Promise<Problem> {
  const text = await res.text();
  expect(res.status, `expected ${status}, got ${res.status}: ${text.slice(0, 500)}`).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json(;|$)/);
  const body = JSON.parse(text) as Problem;
  expect(body).toMatchObject({ type: expect.any(String), title: STATUS_CODES[status], status, detail: expect.any(String), instance: expect.any(String) });
  expect(body.type.length).toBeGreaterThan(0);
  expect(body.detail.length).toBeGreaterThan(0);
  if (path !== undefined) expect(body.instance).toBe(path);
  expect(body.requestId).toEqual(expect.any(String));
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  return body;
}

/**
 * A request whose body is a stream: no Content-Length, as with `Transfer-Encoding: chunked`. Node's fetch
 * needs `duplex: 'half'` for a stream body, which the RequestInit type of @types/node 20 does not list.
 */
export function streamInit(method: string, chunks: Uint8Array[], headers: Record<string, string> = { 'content-type': 'application/json' }): RequestInit {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  const init: RequestInit & { duplex: 'half' } = { method, headers, body, duplex: 'half' };
  return init;
}

/** A JSON request's init. */
export function jsonInit(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } };
}
