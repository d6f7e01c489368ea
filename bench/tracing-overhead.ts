import { compareVariants, type VariantRow } from './compare.ts';
import { BENCH_TOKEN, type OverheadOptions } from './auth-overhead.ts';
import { createBenchDocument, startFormgate, startScript, stop } from './processes.ts';
import { BENCH_FORMS } from './sample-document.ts';

/**
 * What tracing costs a request: the same token-protected GET of one document (warm identity cache) against
 * Formgate with tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT: the SDK is never loaded), on with every request
 * sampled and exported over OTLP/HTTP, and on with nothing sampled. The local identity service doubles as the
 * OTLP endpoint: it accepts and discards what is exported.
 */
export async function tracingOverhead(options: OverheadOptions): Promise<VariantRow[]> {
  const identity = await startScript('bench/identity-service.ts');
  const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: new URL(identity.firstLine).origin, OTEL_SERVICE_NAME: 'formgate-bench' };
  const flags = ['--database-url', options.databaseUrl, '--forms', BENCH_FORMS, '--auth-url', identity.firstLine, '--protect', 'all'];
  const specs = [
    { variant: 'tracing off', env: {} },
    { variant: 'tracing on, every request exported', env: otlp },
    { variant: 'tracing on, sampler always_off', env: { ...otlp, OTEL_TRACES_SAMPLER: 'always_off' } },
  ];
  const servers = [];
  try {
    for (const spec of specs) servers.push({ ...spec, headers: { authorization: `Bearer ${BENCH_TOKEN}` }, ...(await startFormgate(flags, spec.env)) });
    const path = await createBenchDocument(servers[0]!.url, BENCH_TOKEN);
    return await compareVariants(servers.map((s) => ({ ...s, pid: s.child.pid })), path, { connections: options.connections, rounds: options.rounds ?? 5, secondsPerRound: options.secondsPerRound ?? 4 });
  } finally {
    await Promise.all([...servers.map((server) => stop(server.child)), stop(identity.child)]);
  }
}
