import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { serve } from '@hono/node-server';
import { onTestFinished } from 'vitest';
import { createApp } from '../../src/app.ts';
import { fixedDirectory, type DirectorySource } from '../../src/directory/live.ts';
import type { Directory } from '../../src/directory/schema.ts';
import { loadOrCreateSigningKey, type SigningKey } from '../../src/keys.ts';
import { createLogger } from '../../src/logger.ts';
import type { OidcSettings } from '../../src/oidc/state.ts';
import { verifiedKeys } from '../../src/verified-keys.ts';

/**
 * The app, served on a real socket on 127.0.0.1 with a clock the test moves, and every log line it wrote.
 */

export const ISSUER = 'http://auth.test:9000';
/** 2026-06-01T12:00:00Z: far from any second boundary trouble, and after the fixtures' createdAt. */
export const START_MS = Date.UTC(2026, 5, 1, 12, 0, 0);

export interface Clock {
  now(): number;
  advance(seconds: number): void;
}

export function testClock(startMs = START_MS): Clock {
  let ms = startMs;
  return { now: () => ms, advance: (seconds) => void (ms += seconds * 1000) };
}

export interface TestService {
  readonly url: string;
  readonly issuer: string;
  readonly clock: Clock;
  readonly key: SigningKey;
  /** Every log line so far, as written (JSON text). */
  readonly logText: () => string;
  readonly logs: () => Record<string, unknown>[];
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export interface ServiceOptions {
  readonly directory: Directory | DirectorySource;
  readonly clock?: Clock;
  readonly key?: SigningKey;
  readonly tokenTtlS?: number;
  /** The issuer; `origin` makes it the served URL, as `serve` does by default (discovery clients check it). */
  readonly issuer?: string | 'origin';
  /** Shorter lifetimes and limits for the sign-in flow, so tests need not wait. */
  readonly oidc?: Partial<OidcSettings>;
}

let sharedKey: Promise<SigningKey> | undefined;

/** One signing key for a whole test file: made in a temp dir by the real key module. */
export async function testKey(): Promise<SigningKey> {
  sharedKey ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'auth-service-key-'));
    try {
      const made = await loadOrCreateSigningKey(join(dir, 'key.json'));
      if (!made.ok) throw new Error(made.error.message);
      return made.value.key;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return sharedKey;
}

export async function startService(options: ServiceOptions): Promise<TestService> {
  const clock = options.clock ?? testClock();
  const key = options.key ?? (await testKey());
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const directory = 'current' in options.directory ? options.directory : fixedDirectory(options.directory);
  // The app is made once the port is known, since with `issuer: 'origin'` the issuer depends on it.
  let app: ReturnType<typeof createApp> | undefined;
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: (request, env) => app!.fetch(request, env), port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = options.issuer === 'origin' ? url : (options.issuer ?? ISSUER);
  app = createApp({ directory, key, issuer, tokenTtlS: options.tokenTtlS ?? 900, now: clock.now, logger: createLogger('info', sink), verifiedKeys: verifiedKeys(), ...(options.oidc === undefined ? {} : { oidc: options.oidc }) });
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return {
    url,
    issuer,
    clock,
    key,
    logText: () => text,
    logs: () =>
      text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    fetch: (path, init = {}) => fetch(url + path, { ...init, signal: AbortSignal.timeout(10_000) }),
  };
}

/** `Basic base64(id:secret)`, form-encoding each part first as RFC 6749 §2.3.1 says. */
export function basic(id: string, secret: string): string {
  const enc = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

export function form(params: Record<string, string>): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() };
}

/** A token from the service's own token endpoint. */
export async function passwordToken(service: TestService, username: string, password: string): Promise<string> {
  const response = await service.fetch('/token', form({ grant_type: 'password', username, password }));
  if (response.status !== 200) throw new Error(`POST /token answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

export async function clientToken(service: TestService, name: string, key: string): Promise<string> {
  const response = await service.fetch('/token', { ...form({ grant_type: 'client_credentials' }), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(name, key) } });
  if (response.status !== 200) throw new Error(`POST /token answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
