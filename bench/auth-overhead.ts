import { compareVariants, type Variant, type VariantRow } from './compare.ts';
import { BENCH_AUDIENCE, startBenchIssuer } from './jwt-issuer.ts';
import { createBenchDocument, startFormgate, startScript, stop } from './processes.ts';
import { BENCH_FORMS } from './sample-document.ts';

/**
 * What authentication costs a request: the same GET of one document at fixed concurrency against Formgate
 * processes on one database — `--protect none`; `--protect all` asking a local identity service, with a
 * warm cache and with the cache off (every request asks); and `--auth-protocol jwt` checking tokens against
 * a local key set, warm (one token, kept), cold (a token never seen before on every request: a full
 * verification and a cache entry each), and with the cache off (the one token verified on every request).
 */

export interface OverheadOptions {
  databaseUrl: string;
  connections: number;
  rounds?: number;
  secondsPerRound?: number;
}

export const BENCH_TOKEN = 'bench-token';

/** Distinct tokens the cold variant cycles through; its cache holds far fewer, so each comes back forgotten. */
const COLD_TOKENS = 20_000;
const COLD_CACHE_SIZE = 1000;

export async function authOverhead(options: OverheadOptions): Promise<VariantRow[]> {
  const identity = await startScript('bench/identity-service.ts');
  const issuer = await startBenchIssuer('EdDSA');
  const common = ['--database-url', options.databaseUrl, '--forms', BENCH_FORMS];
  const service = [...common, '--auth-url', identity.firstLine];
  const jwt = [...common, '--protect', 'all', '--auth-protocol', 'jwt', '--auth-issuer', issuer.issuer, '--auth-jwks-url', issuer.jwksUrl, '--auth-audience', BENCH_AUDIENCE];
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const jwtToken = bearer(await issuer.token('bench-user'));
  const cold = await Promise.all(Array.from({ length: COLD_TOKENS }, (_, i) => issuer.token(`bench-user-${i}`)));
  let next = 0;
  const specs: (Omit<Variant, 'url'> & { flags: string[] })[] = [
    { variant: '--protect none', flags: [...service, '--protect', 'none'] },
    { variant: '--protect all, warm cache', flags: [...service, '--protect', 'all'], headers: bearer(BENCH_TOKEN) },
    { variant: '--protect all --auth-cache-size 0', flags: [...service, '--protect', 'all', '--auth-cache-size', '0'], headers: bearer(BENCH_TOKEN) },
    { variant: '--auth-protocol jwt, warm cache', flags: jwt, headers: jwtToken },
    { variant: '--auth-protocol jwt, cold (a new token each request)', flags: [...jwt, '--auth-cache-size', String(COLD_CACHE_SIZE)], nextHeaders: () => bearer(cold[next++ % COLD_TOKENS]!) },
    { variant: '--auth-protocol jwt --auth-cache-size 0', flags: [...jwt, '--auth-cache-size', '0'], headers: jwtToken },
  ];
  // One at a time: the first applies the migrations the others then find done.
  const servers = [];
  try {
    for (const spec of specs) servers.push({ ...spec, ...(await startFormgate(spec.flags)) });
    const path = await createBenchDocument(servers[0]!.url);
    return await compareVariants(servers.map((s) => ({ ...s, pid: s.child.pid })), path, { connections: options.connections, rounds: options.rounds ?? 5, secondsPerRound: options.secondsPerRound ?? 4 });
  } finally {
    await Promise.all([...servers.map((server) => stop(server.child)), stop(identity.child), issuer.close()]);
  }
}
