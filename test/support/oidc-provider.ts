import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/**
 * A small OpenID provider for the web client's tests, on 127.0.0.1: discovery, an /authorize that sends
 * the browser straight back with a code for `user`, /token (authorization_code with PKCE S256, and
 * refresh_token with rotation), JWKS, ID tokens with the nonce, an end-session endpoint, and a formgate
 * protocol `/validate` so the API can check the access tokens it hands out. Switches change what it does;
 * counters say what it was asked.
 */
export interface TestUser {
  sub: string;
  name: string;
  groups: string[];
}

export interface OidcProvider {
  readonly issuer: string;
  readonly clientId: string;
  /** The secret /token accepts; a test rotates it by assigning. */
  clientSecret: string;
  user: TestUser;
  /** Access token lifetime (expires_in). */
  accessTtlS: number;
  /** /token refuses every refresh (invalid_grant). */
  failRefresh: boolean;
  /** Discovery answers 503. */
  down: boolean;
  /** Discovery names an end_session_endpoint. */
  endSession: boolean;
  /** /authorize sends back this state instead of the one it got. */
  stateOverride: string | undefined;
  /** The ID token carries this nonce instead of the one asked for. */
  nonceOverride: string | undefined;
  /** Delay of each refresh grant (so concurrent refreshes overlap). */
  refreshDelayMs: number;
  readonly counts: { discovery: number; authorize: number; code: number; refresh: number; refreshReused: number; endSession: number; validate: number };
  /** The last end-session request's query. */
  lastEndSession: URLSearchParams | undefined;
  /** Every access, refresh and ID token handed out. */
  readonly issued: string[];
  /** Tokens still accepted at /validate. */
  readonly liveAccessTokens: Set<string>;
  close(): Promise<void>;
}

interface CodeGrant {
  challenge: string;
  nonce: string | undefined;
  redirectUri: string;
  user: TestUser;
}

export async function startOidcProvider(options: { clientId?: string; clientSecret?: string; user?: TestUser } = {}): Promise<OidcProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, CodeGrant>();
  const refreshTokens = new Map<string, TestUser>();
  const usedRefreshTokens = new Set<string>();
  const random = () => randomBytes(24).toString('base64url');

  const server = createServer((req, res) => void handle(req, res).catch(() => send(res, 500, { error: 'server_error' })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const p: OidcProvider = {
    issuer,
    clientId: options.clientId ?? 'formgate-web',
    clientSecret: options.clientSecret ?? 'client-secret-1',
    user: options.user ?? { sub: 'alice', name: 'Alice Example', groups: ['staff', 'finance'] },
    accessTtlS: 3600,
    failRefresh: false,
    down: false,
    endSession: true,
    stateOverride: undefined,
    nonceOverride: undefined,
    refreshDelayMs: 0,
    counts: { discovery: 0, authorize: 0, code: 0, refresh: 0, refreshReused: 0, endSession: 0, validate: 0 },
    lastEndSession: undefined,
    issued: [],
    liveAccessTokens: new Set(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function tokens(user: TestUser, nonce: string | undefined): Promise<Record<string, unknown>> {
    const accessToken = `at-${random()}`;
    const refreshToken = `rt-${random()}`;
    const now = Math.floor(Date.now() / 1000);
    const idToken = await new SignJWT({ name: user.name, ...(nonce !== undefined ? { nonce: p.nonceOverride ?? nonce } : {}) })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer)
      .setSubject(user.sub)
      .setAudience(p.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);
    refreshTokens.set(refreshToken, user);
    p.liveAccessTokens.add(accessToken);
    p.issued.push(accessToken, refreshToken, idToken);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: p.accessTtlS, refresh_token: refreshToken, id_token: idToken };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer);
    const text = await readBody(req);
    const body = new URLSearchParams(text);
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /.well-known/openid-configuration':
        p.counts.discovery++;
        if (p.down) return send(res, 503, { error: 'temporarily_unavailable' });
        return send(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          ...(p.endSession ? { end_session_endpoint: `${issuer}/logout` } : {}),
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          grant_types_supported: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_methods_supported: ['client_secret_basic'],
        });
      case 'GET /jwks':
        return send(res, 200, { keys: [jwk] });
      case 'GET /authorize': {
        p.counts.authorize++;
        const q = url.searchParams;
        if (q.get('client_id') !== p.clientId || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) return send(res, 400, { error: 'invalid_request' });
        const code = random();
        codes.set(code, { challenge: q.get('code_challenge')!, nonce: q.get('nonce') ?? undefined, redirectUri: q.get('redirect_uri')!, user: p.user });
        const back = new URL(q.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', p.stateOverride ?? q.get('state') ?? '');
        res.writeHead(302, { location: back.href }).end();
        return;
      }
      case 'POST /token': {
        const [id, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':').map(decodeURIComponent);
        if (id !== p.clientId || secret !== p.clientSecret) return send(res, 401, { error: 'invalid_client' });
        if (body.get('grant_type') === 'authorization_code') {
          p.counts.code++;
          const grant = codes.get(body.get('code') ?? '');
          codes.delete(body.get('code') ?? '');
          const verifier = body.get('code_verifier') ?? '';
          if (grant === undefined || grant.redirectUri !== body.get('redirect_uri') || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
            return send(res, 400, { error: 'invalid_grant' });
          }
          return send(res, 200, await tokens(grant.user, grant.nonce));
        }
        if (body.get('grant_type') === 'refresh_token') {
          p.counts.refresh++;
          const rt = body.get('refresh_token') ?? '';
          if (p.refreshDelayMs > 0) await new Promise((r) => setTimeout(r, p.refreshDelayMs));
          if (usedRefreshTokens.has(rt)) p.counts.refreshReused++;
          const user = refreshTokens.get(rt);
          if (p.failRefresh || user === undefined) return send(res, 400, { error: 'invalid_grant' });
          refreshTokens.delete(rt);
          usedRefreshTokens.add(rt);
          return send(res, 200, await tokens(user, undefined));
        }
        return send(res, 400, { error: 'unsupported_grant_type' });
      }
      case 'GET /logout':
        p.counts.endSession++;
        p.lastEndSession = url.searchParams;
        return send(res, 200, { signedOut: true });
      case 'POST /validate': {
        p.counts.validate++;
        const token = (JSON.parse(text || '{}') as { token?: string }).token;
        if (token === undefined || !p.liveAccessTokens.has(token)) return send(res, 401, { error: 'invalid token' });
        return send(res, 200, { userId: p.user.sub, name: p.user.name, groups: p.user.groups, ttl: 0 });
      }
      default:
        return send(res, 404, { error: 'not_found' });
    }
  }
  return p;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}
