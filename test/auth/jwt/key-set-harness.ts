import { errors, jwtVerify, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import { createKeySet, type KeySet, type KeySetOptions } from '../../../src/auth/jwt/key-set.ts';
import { createLogger } from '../../../src/logger.ts';
import type { LogLine } from '../../support/app.ts';
import { startKeySetServer, type KeySetServer, type KeySetServerOptions } from '../../support/key-set-server.ts';

/**
 * A key set against a real key-set server, its log captured. Everything a test starts is stopped by
 * `cleanUp()`, which also checks that no log line carries a token signed here or a key's material.
 */

export interface Harness {
  readonly server: KeySetServer;
  readonly keySet: KeySet;
  readonly logs: LogLine[];
  /** Log lines at warn or above. */
  problems(): LogLine[];
  /** A token signed by the server's newest key (or the one named); remembered for the log check. */
  token(options?: Parameters<KeySetServer['sign']>[1]): Promise<string>;
  /** What the jwt verifier does: check with the keys held, and on an unknown kid ask the set once more. */
  check(token: string): Promise<Checked>;
}

export type Checked = { ok: true; payload: JWTPayload } | { ok: false; why: 'no-keys' | 'unknown-kid' | 'invalid'; reason?: string };

export interface HarnessOptions {
  server?: KeySetServerOptions;
  /** Overrides; by default the key set is pointed at the server's JWKS directly. */
  keySet?: Partial<KeySetOptions>;
  /** Find the JWKS through the issuer's discovery document instead. */
  discovery?: boolean;
  /** Start the key set (default true). */
  start?: boolean;
}

const started: { server: KeySetServer; keySet: KeySet }[] = [];
const tokens = new Set<string>();
let rawLines: string[] = [];

export async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const server = await startKeySetServer(options.server);
  const logs: LogLine[] = [];
  const logger = createLogger('debug', {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line.trim() === '') continue;
        rawLines.push(line);
        logs.push(JSON.parse(line) as LogLine);
      }
    },
  });
  const keySet = createKeySet({
    issuer: server.issuer,
    ...(options.discovery ? {} : { jwksUrl: server.jwksUrl }),
    timeoutMs: 1000,
    staleS: 60,
    cooldownS: 30,
    logger,
    ...options.keySet,
  });
  started.push({ server, keySet });
  if (options.start ?? true) await keySet.start();
  const h: Harness = {
    server,
    keySet,
    logs,
    problems: () => logs.filter((l) => l.level === 'warn' || l.level === 'error'),
    token: async (o) => {
      const token = await server.sign({ sub: 'alice', iss: server.issuer }, o);
      tokens.add(token);
      return token;
    },
    check: async (token) => {
      let keys = keySet.keys();
      for (let round = 0; round < 2; round++) {
        if (!keys.ok) return { ok: false, why: 'no-keys', reason: keys.reason };
        try {
          return { ok: true, payload: (await jwtVerify(token, keys.getKey)).payload };
        } catch (e) {
          if (!(e instanceof errors.JWKSNoMatchingKey)) return { ok: false, why: 'invalid', reason: String(e) };
          if (round === 1) return { ok: false, why: 'unknown-kid' };
          const kid = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string | undefined;
          keys = await keySet.refetchForUnknownKid(kid);
        }
      }
      return { ok: false, why: 'unknown-kid' };
    },
  };
  return h;
}

export async function cleanUp(): Promise<void> {
  const all = started.splice(0);
  for (const { keySet } of all) keySet.stop();
  const material = all.flatMap(({ server }) => server.keys().map((k) => String(k.publicJwk.n ?? k.publicJwk.x)));
  await Promise.all(all.map(({ server }) => server.close()));
  const lines = rawLines;
  rawLines = [];
  for (const line of lines) {
    for (const token of tokens) expect(line, 'a log line carries a token').not.toContain(token);
    for (const m of material) expect(line, 'a log line carries a key set body').not.toContain(m);
  }
}

/** Waits, bounded in time, until `condition` holds; fails the test when it never does. */
export async function eventually(condition: () => boolean, what: string, withinMs = 8000): Promise<void> {
  const until = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`not within ${withinMs} ms: ${what}`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Short lifetimes, so a test sees refreshes and the stale window in real seconds. */
export const SHORT = { lifetime: { minS: 1, defaultS: 1 } } as const;
