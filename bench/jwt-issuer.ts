import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/**
 * A stand-in provider for the jwt benchmark, in the benchmark's own process: one signing key, its key set
 * at `/jwks.json` on 127.0.0.1, and tokens signed with it. The key set is fetched once by each Formgate
 * process (then kept an hour), so serving it here costs the measurement nothing.
 */

export const BENCH_AUDIENCE = 'formgate-bench';

export interface BenchIssuer {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly algorithm: string;
  /** A token for `sub`, valid for an hour. */
  token(sub: string): Promise<string>;
  close(): Promise<void>;
}

export async function startBenchIssuer(algorithm: 'EdDSA' | 'RS256' | 'ES256' = 'EdDSA'): Promise<BenchIssuer> {
  const { privateKey, publicKey } = await generateKeyPair(algorithm, algorithm === 'EdDSA' ? { crv: 'Ed25519' } : {});
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: `bench-${algorithm}`, alg: algorithm, use: 'sig' };
  const body = JSON.stringify({ keys: [jwk] });
  const server = createServer((req, res) => {
    if (req.url !== '/jwks.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' }).end(body);
  });
  const port = await listening(server);
  const issuer = `http://127.0.0.1:${port}`;
  return {
    issuer,
    jwksUrl: `${issuer}/jwks.json`,
    algorithm,
    token: (sub) => sign(privateKey, algorithm, jwk.kid!, issuer, sub),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function sign(key: CryptoKey, alg: string, kid: string, issuer: string, sub: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ groups: ['staff'], scope: 'forms documents' })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .setIssuer(issuer)
    .setAudience(BENCH_AUDIENCE)
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(key);
}

function listening(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address && typeof address === 'object') resolve(address.port);
      else reject(new Error('no port'));
    });
  });
}
