import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * A real identity provider's key publishing on 127.0.0.1: a JWKS and a discovery document, scripted per
 * test. Keys can be added, rotated and withdrawn; the JWKS answer can be replaced (a status, a broken body,
 * a slow or stalling answer, an oversized one, a redirect); the server can go down (connections refused)
 * and come back on the same port. Every request is recorded.
 *
 * Shared with the jwt tests: the API only grows, nothing is renamed or removed.
 */

export type KeyAlg = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA';

export interface SigningKey {
  readonly kid: string;
  readonly alg: KeyAlg;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** As published: with `kid`, `alg` and `use: 'sig'`. */
  readonly publicJwk: JWK;
}

export interface KeySetAnswer {
  status?: number;
  /** An object is sent as JSON; a string is sent as it is. Unset: the published keys, `{keys: [...]}`. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before sending anything. */
  delayMs?: number;
  /** Send the headers and the first half of the body at once, the rest after this long. */
  stallBodyMs?: number;
  /** Send without Content-Length (chunked), so only reading tells the size. */
  chunked?: boolean;
  /** Drop the connection without an answer. */
  hangUp?: boolean;
}

export type KeySetScript = KeySetAnswer | ((request: KeySetRequest) => KeySetAnswer);

export interface KeySetRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Date.now() when it arrived. */
  readonly atMs: number;
}

export interface KeySetServerOptions {
  /** The issuer's path below the origin, e.g. `/realms/test` (Keycloak style). Default: none. */
  issuerPath?: string;
  /** Keys published at the start (default 1). */
  keys?: number;
  /** Their algorithm (default RS256). */
  alg?: KeyAlg;
  /** The JWKS answer's Cache-Control (default none). */
  cacheControl?: string;
}

export interface KeySetServer {
  readonly origin: string;
  readonly port: number;
  /** `${origin}${issuerPath}`, what the discovery document names as `issuer` unless told otherwise. */
  readonly issuer: string;
  readonly jwksUrl: string;
  /** `${issuer}/.well-known/openid-configuration`. */
  readonly discoveryUrl: string;
  /** Every request, in order (JWKS, discovery, anything else). */
  readonly requests: KeySetRequest[];
  /** JWKS requests received so far (answered or not). */
  jwksFetches(): number;
  discoveryFetches(): number;
  /** The keys published now, oldest first. */
  keys(): readonly SigningKey[];
  /** Makes a new key and publishes it beside the others. */
  addKey(options?: { kid?: string; alg?: KeyAlg }): Promise<SigningKey>;
  /** Withdraws a key from the JWKS (tokens it signed can no longer be checked). */
  removeKey(kid: string): void;
  /** A provider's rotation: a new key is published and the oldest withdrawn. */
  rotate(options?: { alg?: KeyAlg }): Promise<SigningKey>;
  /** A signed JWT. `key` defaults to the newest published key; `kid` overrides the header's kid. */
  sign(payload: JWTPayload, options?: { key?: SigningKey; kid?: string | null; header?: Record<string, unknown> }): Promise<string>;
  /** Replace the JWKS answer; `undefined` returns to serving the published keys. */
  answerJwks(script: KeySetScript | undefined): void;
  /** Replace the discovery answer; `undefined` returns to the correct document. */
  answerDiscovery(script: KeySetScript | undefined): void;
  /** The `issuer` member the discovery document names (default: the real one). */
  setDiscoveryIssuer(issuer: string | undefined): void;
  setCacheControl(value: string | undefined): void;
  /** Stops listening and drops every connection: fetches are refused until `up()`. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startKeySetServer(options: KeySetServerOptions = {}): Promise<KeySetServer> {
  const published: SigningKey[] = [];
  const requests: KeySetRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let jwksScript: KeySetScript | undefined;
  let discoveryScript: KeySetScript | undefined;
  let discoveryIssuer: string | undefined;
  let cacheControl = options.cacheControl;
  let listening = false;

  const later = (ms: number, work: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      work();
    }, ms);
    timers.add(timer);
  };

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handle(req, res));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const issuerPath = (options.issuerPath ?? '').replace(/\/+$/, '');
  const issuer = `${origin}${issuerPath}`;
  const jwksUrl = `${origin}/jwks`;
  const discoveryPath = `${issuerPath}/.well-known/openid-configuration`;

  function listen(on: number): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(on, '127.0.0.1', () => {
        server.off('error', reject);
        listening = true;
        resolve();
      });
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const request: KeySetRequest = { method: req.method ?? 'GET', path, headers: req.headers, atMs: Date.now() };
    requests.push(request);
    if (path === '/jwks') {
      const script = jwksScript ?? {};
      const answer = typeof script === 'function' ? script(request) : script;
      const headers: Record<string, string> = cacheControl === undefined ? {} : { 'cache-control': cacheControl };
      return respond(req, res, { ...answer, headers: { ...headers, ...answer.headers } }, { keys: published.map((k) => k.publicJwk) });
    }
    if (path === discoveryPath) {
      const answer = discoveryScript === undefined ? {} : typeof discoveryScript === 'function' ? discoveryScript(request) : discoveryScript;
      return respond(req, res, answer, { issuer: discoveryIssuer ?? issuer, jwks_uri: jwksUrl, id_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'] });
    }
    respond(req, res, { status: 404 }, { error: 'not_found' });
  }

  function respond(req: IncomingMessage, res: ServerResponse, answer: KeySetAnswer, fallback: unknown): void {
    const send = () => {
      if (answer.hangUp) return void req.socket.destroy();
      const body = answer.body === undefined ? fallback : answer.body;
      const isText = typeof body === 'string';
      const bytes = Buffer.from(isText ? body : JSON.stringify(body), 'utf8');
      const head: Record<string, string> = { ...(isText ? {} : { 'content-type': 'application/json' }), ...answer.headers };
      if (!answer.chunked) head['content-length'] = String(bytes.byteLength);
      res.writeHead(answer.status ?? 200, head);
      if (answer.stallBodyMs === undefined) return void res.end(bytes);
      const half = Math.floor(bytes.byteLength / 2);
      res.write(bytes.subarray(0, half));
      later(answer.stallBodyMs, () => res.end(bytes.subarray(half)));
    };
    if (answer.delayMs) later(answer.delayMs, send);
    else send();
  }

  async function addKey(o: { kid?: string; alg?: KeyAlg } = {}): Promise<SigningKey> {
    const alg = o.alg ?? options.alg ?? 'RS256';
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = o.kid ?? `k-${randomUUID().slice(0, 8)}`;
    const key: SigningKey = { kid, alg, privateKey, publicKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
    published.push(key);
    return key;
  }

  function dropConnections(): void {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const socket of sockets) socket.destroy();
    server.closeAllConnections();
  }

  function stopListening(): Promise<void> {
    if (!listening) return Promise.resolve();
    listening = false;
    return new Promise((resolve) => {
      server.close(() => resolve());
      dropConnections();
    });
  }

  for (let i = 0; i < (options.keys ?? 1); i++) await addKey();

  return {
    origin,
    port,
    issuer,
    jwksUrl,
    discoveryUrl: `${origin}${discoveryPath}`,
    requests,
    jwksFetches: () => requests.filter((r) => r.path === '/jwks').length,
    discoveryFetches: () => requests.filter((r) => r.path === discoveryPath).length,
    keys: () => [...published],
    addKey,
    removeKey: (kid) => {
      const at = published.findIndex((k) => k.kid === kid);
      if (at >= 0) published.splice(at, 1);
    },
    rotate: async (o = {}) => {
      const key = await addKey(o);
      published.shift();
      return key;
    },
    sign: async (payload, o = {}) => {
      const key = o.key ?? published.at(-1);
      if (key === undefined) throw new Error('no key to sign with: add one first');
      const kid = o.kid === null ? {} : { kid: o.kid ?? key.kid };
      return new SignJWT(payload).setProtectedHeader({ alg: key.alg, typ: 'JWT', ...kid, ...o.header }).sign(key.privateKey);
    },
    answerJwks: (script) => void (jwksScript = script),
    answerDiscovery: (script) => void (discoveryScript = script),
    setDiscoveryIssuer: (value) => void (discoveryIssuer = value),
    setCacheControl: (value) => void (cacheControl = value),
    down: stopListening,
    up: () => (listening ? Promise.resolve() : listen(port)),
    close: stopListening,
  };
}
