import { compareVariants, type VariantRow } from './compare.ts';
import { createBenchDocument, startFormgate, startScript, stop } from './processes.ts';
import { BENCH_FORMS } from './sample-document.ts';

/**
 * What authentication costs a request: the same GET of one document at fixed concurrency against three
 * Formgate processes on one database and one local identity service — `--protect none`, `--protect all`
 * with a warm cache, and `--protect all --auth-cache-size 0` (every request asks the service).
 */

export interface OverheadOptions {
  databaseUrl: string;
  connections: number;
  rounds?: number;
  secondsPerRound?: number;
}

export const BENCH_TOKEN = 'bench-token';

export async function authOverhead(options: OverheadOptions): Promise<VariantRow[]> {
  const identity = await startScript('bench/identity-service.ts');
  const common = ['--database-url', options.databaseUrl, '--forms', BENCH_FORMS, '--auth-url', identity.firstLine];
  const bearer = { authorization: `Bearer ${BENCH_TOKEN}` };
  const specs = [
    { variant: '--protect none', flags: [...common, '--protect', 'none'] },
    { variant: '--protect all, warm cache', flags: [...common, '--protect', 'all'], headers: bearer },
    { variant: '--protect all --auth-cache-size 0', flags: [...common, '--protect', 'all', '--auth-cache-size', '0'], headers: bearer },
  ];
  // One at a time: the first applies the migrations the others then find done.
  const servers = [];
  try {
    for (const spec of specs) servers.push({ ...spec, ...(await startFormgate(spec.flags)) });
    const path = await createBenchDocument(servers[0]!.url);
    return await compareVariants(servers.map((s) => ({ ...s, pid: s.child.pid })), path, { connections: options.connections, rounds: options.rounds ?? 5, secondsPerRound: options.secondsPerRound ?? 4 });
  } finally {
    await Promise.all([...servers.map((server) => stop(server.child)), stop(identity.child)]);
  }
}
