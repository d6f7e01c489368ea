import type { BurstRow } from './burst.ts';
import type { VariantRow } from './compare.ts';
import type { DocumentsRow } from './documents.ts';
import type { ScaleRow } from './list-scale.ts';
import type { MemoryFigures } from './memory.ts';
import type { WebComparison, WebFigures } from './web.ts';
import type { SplitComparison, SplitFigures } from './web-split.ts';

/** Figures into markdown: one section per benchmark, each a heading, its command, a table and a reading. */

export interface Section {
  heading: string;
  /** The `npm run bench -- …` that measures this section alone. */
  command: string;
  /** How it was measured, in a sentence. */
  method: string;
  table: string[];
  /** One line on what the figures say, with the target where there is one. */
  reading: string;
  /** Further tables measured in the same run of the section, each under a heading of its own. */
  parts?: { heading: string; method: string; table: string[]; reading: string }[];
}

export function sectionMarkdown(s: Section): string {
  const parts = (s.parts ?? []).flatMap((p) => [`### ${p.heading}`, '', p.method, '', ...p.table, '', p.reading, '']);
  return [`## ${s.heading}`, '', `\`${s.command}\` — ${s.method}`, '', ...s.table, '', s.reading, '', ...parts].join('\n');
}

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  postgres: string;
  date: string;
}

export function machineMarkdown(m: Machine): string {
  return `Machine: ${m.cores} cores (${m.cpu}), Node ${m.node}, PostgreSQL ${m.postgres}; run started ${m.date}.`;
}

const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
const fixed = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** Rows of variants, each with its requests/s as a ratio of the first row's. */
function variantTable(rows: VariantRow[]): string[] {
  const base = rows[0]!;
  return [
    `| variant | requests/s | p50 (ms) | p99 (ms) | requests/s vs ${base.variant} | server CPU per request (µs) | CPU added per request (µs) | non-2xx |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.variant} | ${fixed(r.requestsPerSecond)} | ${fixed(r.p50Ms, 1)} | ${fixed(r.p99Ms, 1)} | ${fixed(r.requestsPerSecond / base.requestsPerSecond, 2)} | ` +
        `${fixed(r.cpuMicrosPerRequest, 1)} | ${fixed(r.cpuMicrosPerRequest - base.cpuMicrosPerRequest, 1)} | ${r.non2xx} |`,
    ),
  ];
}

const ratio = (rows: VariantRow[], i: number) => rows[i]!.requestsPerSecond / rows[0]!.requestsPerSecond;

export function authSection(rows: VariantRow[], connections: number, rounds: number, seconds: number): Section {
  const warm = ratio(rows, 1);
  const added = (i: number) => fixed(rows[i]!.cpuMicrosPerRequest - rows[0]!.cpuMicrosPerRequest, 0);
  return {
    heading: 'Authentication overhead',
    command: 'npm run bench -- auth',
    method:
      `GET one document, ${connections} connections (autocannon), ${rows.length} \`formgate serve\` processes on one database; the HTTP ones ask one identity service that answers at once, ` +
      `the jwt ones check EdDSA tokens against a key set served on 127.0.0.1 (fetched once); variants take turns, median of ${rounds} rounds of ${seconds} s.`,
    table: variantTable(rows),
    reading:
      `A warm cache keeps ${fixed(warm, 2)} of \`--protect none\` (target ≥ 0.95: ${met(warm >= 0.95)}); with the cache off, ${fixed(ratio(rows, 2), 2)}. ` +
      (rows.length > 5
        ? `jwt: warm ${fixed(ratio(rows, 3), 2)} (${added(3)} µs of server CPU added per request), a new token on every request ${fixed(ratio(rows, 4), 2)} (${added(4)} µs: one verification and one cache entry), ` +
          `the one token verified on every request ${fixed(ratio(rows, 5), 2)} (${added(5)} µs), against ${added(2)} µs for a call to the identity service per request.`
        : ''),
  };
}

export function tracingSection(rows: VariantRow[], connections: number, rounds: number, seconds: number): Section {
  return {
    heading: 'Tracing overhead',
    command: 'npm run bench -- tracing',
    method: `GET one document with a token (warm cache), ${connections} connections, three processes: no OTLP endpoint, every request exported, sampler always_off; median of ${rounds} rounds of ${seconds} s.`,
    table: variantTable(rows),
    reading: `Exporting every request keeps ${fixed(ratio(rows, 1), 2)} of tracing off; with nothing sampled, ${fixed(ratio(rows, 2), 2)}.`,
  };
}

export function burstSection(rows: BurstRow[], delayMs: number): Section {
  const cached = rows.filter((r) => !r.variant.includes('cache-size 0'));
  const allMet = cached.every((r) => r.calls.every((c) => c === r.target)) && rows.every((r) => r.non200 === 0);
  const one = cached.find((r) => r.tokens === 'one new token');
  const uncachedOne = rows.find((r) => r.variant.includes('cache-size 0') && r.tokens === 'one new token');
  return {
    heading: 'Cold burst',
    command: 'npm run bench -- burst',
    method: `${rows[0]?.requests ?? 0} concurrent GETs of one document on connections already open, with tokens Formgate has not seen; the identity service holds each answer ${delayMs} ms and counts its calls (read from its GET /calls). Each burst ${rows[0]?.calls.length ?? 0} times with fresh tokens.`,
    table: [
      '| variant | tokens | requests | identity-service calls (each burst) | target | burst time, median (ms) | non-200 |',
      '|---|---|---:|---|---:|---:|---:|',
      ...rows.map((r) => `| ${r.variant} | ${r.tokens} | ${r.requests} | ${r.calls.join(', ')} | ${r.target} | ${fixed(r.medianMs)} | ${r.non200} |`),
    ],
    reading:
      `With the cache, ${one?.requests ?? 0} requests on one new token made ${one?.calls.join(', ') ?? '?'} call(s) and distinct tokens one call each ` +
      `(targets: ${met(allMet)}); without it the same burst made ${uncachedOne?.calls.join(', ') ?? '?'} calls.`,
  };
}

export function documentsSection(rows: DocumentsRow[], connections: number, rounds: number, seconds: number): Section {
  const ratios = rows.map((r) => r.httpPerSecond / r.floorPerSecond);
  return {
    heading: 'Documents on PostgreSQL',
    command: 'npm run bench -- documents',
    method:
      `${connections} connections (autocannon) against \`formgate serve --protect none\`; the floor: the same SQL through postgres.js ` +
      `(pool of 10 and prepared statements, as Formgate) by ${connections} workers in a process of their own; and a minimal HTTP server ` +
      `(node:http and postgres.js running the floor's SQL, no framework, validation, rules or logs) under the same load as Formgate. ` +
      `The three take turns, median of ${rounds} rounds of ${seconds} s.`,
    table: [
      '| operation | Formgate over HTTP (requests/s) | minimal HTTP server (requests/s) | floor: postgres.js (requests/s) | Formgate / floor | minimal server / floor | Formgate / minimal server | Formgate p50 (ms) | Formgate p99 (ms) | failures |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r, i) =>
          `| ${r.operation} | ${fixed(r.httpPerSecond)} | ${fixed(r.minimalPerSecond)} | ${fixed(r.floorPerSecond)} | ${fixed(ratios[i]!, 2)} | ` +
          `${fixed(r.minimalPerSecond / r.floorPerSecond, 2)} | ${fixed(r.httpPerSecond / r.minimalPerSecond, 2)} | ${fixed(r.httpP50Ms, 1)} | ${fixed(r.httpP99Ms, 1)} | ${r.failures} |`,
      ),
    ],
    reading:
      rows.map((r, i) => `${r.operation.split(':')[0]} at ${fixed(ratios[i]!, 2)} of the floor`).join(', ') +
      ` (target ≥ 0.7: ${met(ratios.every((x) => x >= 0.7))}); the minimal server reaches ` +
      rows.map((r) => `${fixed(r.minimalPerSecond / r.floorPerSecond, 2)} (${r.operation.split(':')[0]})`).join(' and ') +
      ' of it: what HTTP and the load generator cost here.',
  };
}

export function scaleSection(rows: ScaleRow[]): Section {
  const [small, large] = [rows[0]!, rows.at(-1)!];
  const first = large.firstPageMs / small.firstPageMs;
  const middle = large.deepPageMs / small.deepPageMs;
  return {
    heading: 'A page of a form’s list as the form grows',
    command: 'npm run bench -- scale',
    method: 'GET …/documents?limit=50 through the app (app.request), first page and a page half way down by cursor, median of 200; documents loaded by SQL in chunks of 100k, then ANALYZE (load time includes it).',
    table: [
      '| documents in the form | load time (s) | first page (ms) | page at the middle (ms) | first page vs 10k | middle page vs 10k |',
      '|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.documents.toLocaleString('en')} | ${fixed(r.loadSeconds, 1)} | ${fixed(r.firstPageMs, 2)} | ${fixed(r.deepPageMs, 2)} | ${fixed(r.firstPageMs / small.firstPageMs, 2)}× | ${fixed(r.deepPageMs / small.deepPageMs, 2)}× |`,
      ),
    ],
    reading:
      `At ${large.documents.toLocaleString('en')} documents the first page takes ${fixed(first, 2)}× and the middle page ${fixed(middle, 2)}× the ${small.documents.toLocaleString('en')} figures ` +
      `(target ≤ 2×: ${met(first <= 2 && middle <= 2)}); loading ${(large.documents - small.documents).toLocaleString('en')} more documents took ${fixed(large.loadSeconds, 1)} s.`,
  };
}

export function memorySection(m: MemoryFigures, loadSeconds: number, connections: number): Section {
  const perIdleKb = (m.filledBytes - m.idleBytes) / m.cacheEntries / 1024;
  const perLoadedKb = (m.filledBytes - m.afterLoadBytes) / m.cacheEntries / 1024;
  return {
    heading: 'Memory',
    command: 'npm run bench -- memory',
    method:
      `RSS (VmRSS from /proc/<pid>/status) of one \`formgate serve --protect all --auth-cache-size ${m.cacheCapacity}\` on PostgreSQL with the instant identity service; ` +
      `each figure read 2 s after the step before it. Cache entries from GET /api/v1/admin/auth-cache.`,
    table: [
      '| moment | RSS (MiB) | notes |',
      '|---|---:|---|',
      `| idle after start | ${mib(m.idleBytes)} | no request yet |`,
      `| peak under load | ${mib(m.peakUnderLoadBytes)} | sampled every 100 ms during ${loadSeconds} s of GET one document, ${connections} connections, ${fixed(m.loadRequestsPerSecond)} requests/s |`,
      `| after the load | ${mib(m.afterLoadBytes)} | |`,
      `| with ${m.cacheEntries.toLocaleString('en')} cached identities | ${mib(m.filledBytes)} | after ${m.fillRequests.toLocaleString('en')} GET /api/v1/me with distinct tokens, 32 connections, ${fixed(m.fillSeconds)} s; ${fixed(perIdleKb, 2)} KiB per identity above idle, ${fixed(perLoadedKb, 2)} KiB above after-load |`,
    ],
    reading:
      `Idle ${mib(m.idleBytes)} MiB, ${mib(m.peakUnderLoadBytes)} MiB at the peak of load, ${mib(m.filledBytes)} MiB holding ${m.cacheEntries.toLocaleString('en')} identities: ` +
      `about ${fixed(perIdleKb, 2)} KiB each above idle (${m.failures} failed requests).`,
  };
}

/** The request each row of the web section sends, shown as its method and path. */
const webRequests: Record<string, string> = {
  'documents page': 'GET /forms/{form}/documents',
  'API list': 'GET /api/v1/forms/{form}/documents?limit={page}',
  'form page': 'GET /forms/{form}/new',
  'API form': 'GET /api/v1/forms/{form}',
  'API list, web client mounted': 'GET /api/v1/forms/{form}/documents?limit={page}',
  'API list, --no-ui': 'GET /api/v1/forms/{form}/documents?limit={page}',
};

export function webSection(
  w: WebFigures,
  form: string,
  connections: number,
  s: { rounds: number; secondsPerRound: number; mountedRounds: number; mountedSecondsPerRound: number; warmupSeconds: number },
): Section {
  // Both calls of the documents page, one after the other, at the rates measured for each alone.
  const serial = 1 / (1 / w.list.rows[1].requestsPerSecond + 1 / w.form.rows[1].requestsPerSecond);
  const pagesPerSecond = w.list.rows[0].requestsPerSecond;
  const request = (variant: string) => `\`${(webRequests[variant] ?? variant).replace('{form}', form).replace('{page}', String(w.pageSize))}\``;
  const pair = (name: string, c: WebComparison, target: number | undefined) => {
    const [measured, base] = c.rows;
    const row = (label: string, r: typeof measured, ratio: string, goal: string) =>
      `| ${label} | ${r.variant}: ${request(r.variant)} | ${fixed(r.requestsPerSecond)} | ${fixed(r.p50Ms, 1)} | ${fixed(r.p99Ms, 1)} | ${ratio} | ${goal} | ${fixed(r.cpuMicrosPerRequest, 1)} | ${r.non2xx} |`;
    const goal = target === undefined ? 'none set' : `≥ ${target}: ${met(c.ratio >= target)}`;
    const ratio = c.rows[0].perRound.length > 1 ? `${fixed(c.ratio, 2)} (${fixed(c.spread[0], 2)}–${fixed(c.spread[1], 2)})` : fixed(c.ratio, 2);
    return [row(name, measured, ratio, goal), row('', base, '1.00', '')];
  };
  return {
    heading: 'Web client',
    command: 'npm run bench -- web',
    method:
      `${connections} connections (autocannon) against two \`formgate serve --protect none\` processes on one PostgreSQL database, one with the web client (the default) and one with \`--no-ui\`; ` +
      `${w.documents} documents of \`${form}\` (bench/forms.yaml: no \`access\` block, so the anonymous visitor reads every document and no sign-in is needed) created through the API first; page requests carry the cookie a browser holds after its first page (the visitor's CSRF secret). ` +
      `Each pair takes turns after a warm-up of ${s.warmupSeconds} s each, ${s.rounds} rounds of ${s.secondsPerRound} s (the mounted against \`--no-ui\` pair, measured first, ${s.mountedRounds} rounds of ${s.mountedSecondsPerRound} s); figures are medians of the rounds, the ratio the median of each round's own ratio, with the middle half of those in brackets. ` +
      `The documents page is asked for ${w.pageSize} rows (\`?size=${w.pageSize}\`), so its API list is compared at \`limit=${w.pageSize}\`, the call the page makes. ` +
      `Before measuring, the documents page is checked to show all ${w.pageSize} documents of the API page, the form page a control for every field, and \`--no-ui\` to answer 404 for the form page.`,
    table: [
      '| comparison | request | requests/s | p50 (ms) | p99 (ms) | ratio | target | server CPU per request (µs) | non-2xx |',
      '|---|---|---:|---:|---:|---:|---|---:|---:|',
      ...pair(`${w.pageSize}-row documents page vs the API list it wraps`, w.list, 0.5),
      ...pair('form page vs the API call it makes', w.form, undefined),
      ...pair('the API with the web client mounted vs `--no-ui`', w.mounted, 0.98),
    ],
    reading:
      `The documents page keeps ${fixed(w.list.ratio, 2)} of the API list it wraps (target ≥ 0.5: ${met(w.list.ratio >= 0.5)}), the form page ${fixed(w.form.ratio, 2)} of its API call. ` +
      `The documents page makes two API calls, the form and then the list: at the rates measured for each alone the two leave room for about ${fixed(serial)} pages/s, of which the page reaches ${fixed(pagesPerSecond / serial, 2)}. ` +
      `The API with the web client mounted keeps ${fixed(w.mounted.ratio, 2)} of its throughput without it (target ≥ 0.98: ${met(w.mounted.ratio >= 0.98)}), ` +
      `server CPU per request ${fixed(w.mounted.rows[0].cpuMicrosPerRequest, 1)} against ${fixed(w.mounted.rows[1].cpuMicrosPerRequest, 1)} µs.`,
    parts: [splitPart(w.split, form, connections)],
  };
}

/** The same pages from a web-only instance over HTTP against the co-located instance, one pair per page. */
function splitPart(f: SplitFigures, form: string, connections: number): NonNullable<Section['parts']>[number] {
  const named = (text: string) => text.replaceAll('{form}', form);
  const rows = f.comparisons.flatMap((c) => {
    const [co, web] = c.rows;
    const ratio = web.perRound.length > 1 ? `${fixed(c.ratio, 2)} (${fixed(c.spread[0], 2)}–${fixed(c.spread[1], 2)})` : fixed(c.ratio, 2);
    const [webCpu, apiCpu] = web.cpuMicrosPerRequestEach;
    return [
      `| ${c.page}: \`GET ${c.path}\` | co-located | ${fixed(co.requestsPerSecond)} | ${fixed(co.p50Ms, 1)} | ${fixed(co.p99Ms, 1)} | 1.00 | ${fixed(co.cpuMicrosPerRequest, 1)} | in-process | ${co.non2xx} |`,
      `| ${named(c.apiCalls)} | web-only | ${fixed(web.requestsPerSecond)} | ${fixed(web.p50Ms, 1)} | ${fixed(web.p99Ms, 1)} | ${ratio} | ` +
        `${fixed(web.cpuMicrosPerRequest, 1)} (web ${fixed(webCpu ?? NaN, 1)} + API ${fixed(apiCpu ?? NaN, 1)}) | ${c.connectionsOpened} for ${c.apiRequests} requests | ${web.non2xx} |`,
    ];
  });
  const byPage = f.comparisons.map((c) => `the ${c.page} ${fixed(c.ratio, 2)}`).join(', ');
  const cpuByPage = f.comparisons.map((c) => `${fixed(c.rows[1].cpuMicrosPerRequest / c.rows[0].cpuMicrosPerRequest, 2)}×`).join(', ');
  // A page makes at most 2 API calls at once, so one run can keep busy at most 2 × connections sockets.
  const bound = 2 * connections;
  const idles = [...new Set(f.comparisons.flatMap((c) => Object.keys(c.byIdle).map(Number)))].sort((a, b) => a - b);
  const idleName = (n: number) => (n === 0 ? 'right after a web-only run' : `after ${n} co-located run${n > 1 ? 's' : ''} (≈ ${n * f.secondsPerRound} s idle)`);
  const idleCell = (g: SplitComparison['byIdle'][number] | undefined) =>
    g === undefined ? '—' : `${g.connectionsOpened} in ${g.runs} run${g.runs > 1 ? 's' : ''} (most in one: ${g.mostInOneRun}) for ${g.apiRequests} requests`;
  const mostInOneRun = Math.max(...f.comparisons.flatMap((c) => Object.values(c.byIdle).map((g) => g.mostInOneRun)));
  const hot = f.comparisons.reduce((sum, c) => sum + (c.byIdle[0]?.connectionsOpened ?? 0), 0);
  const others = Object.keys(f.origins).length > 1 ? ` (by origin: ${JSON.stringify(f.origins)})` : '';
  return {
    heading: 'The same pages from a web-only instance',
    method:
      `The same ${connections} connections against a third process, \`formgate serve --no-api --api-url\` pointed at the \`--no-ui\` process above (both on 127.0.0.1), against the co-located process (both halves in one); ` +
      `processes rather than servers in the benchmark's own process, which runs autocannon and would share its event loop with them. ` +
      `One pair per page, each after a warm-up of ${f.warmupSeconds} s each, ${f.rounds} rounds of ${f.secondsPerRound} s, taking turns; measured after the pairs above, so the \`--no-ui\` process is as warm as the co-located one. ` +
      `Web-only server CPU is the web process's and the API process's together. Each instance's page requests carry its own visitor cookie; both instances' pages are first checked as above (every document, every control, the home page linking to the form). ` +
      `TCP connections are counted inside the web-only process from undici's \`undici:client:connected\` diagnostics channel (bench/api-connections.mjs, loaded with \`--import\`), API requests from \`undici:request:create\`; each pair's count includes its warm-up.`,
    table: [
      '| page: request; API calls per page | instance | requests/s | p50 (ms) | p99 (ms) | web-only / co-located | server CPU per request (µs) | TCP connections opened to the API | non-2xx |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      `TCP connections the web-only instance opened to the API in its runs (warm-up and rounds), by how long its pool had sat idle before the run:`,
      '',
      `| page | ${idles.map(idleName).join(' | ')} |`,
      `|---|${idles.map(() => '---:').join('|')}|`,
      ...f.comparisons.map((c) => `| ${c.page} | ${idles.map((n) => idleCell(c.byIdle[n])).join(' | ')} |`),
    ],
    reading:
      `Web-only keeps, of the co-located requests/s: ${byPage}; its server CPU per page (web and API processes) is ${cpuByPage} the co-located one's, in the same order. ` +
      `On these 2 cores shared with autocannon a web-only page can run on two processes at once where a co-located one has one, so CPU per page is the steadier measure of what the split costs. ` +
      `Over this part (${fixed(f.seconds)} s) the web-only instance opened ${f.connectionsOpened} TCP connections to the API for ${f.apiRequests} API requests ` +
      `(${fixed(f.apiRequests / Math.max(1, f.connectionsOpened))} requests a connection; ${f.connectionsBefore} more before it, at startup and for the checks)${others}. ` +
      `No run opened more than ${mostInOneRun} (the most a run can keep busy is ${bound}: ${connections} connections, up to 2 API calls at once a page)` +
      (mostInOneRun <= bound ? ': within a run under load the calls ride on kept-alive connections' : ': MORE, so connections are reopened under load') +
      (idles.includes(0) ? `; runs right after another web-only run opened ${hot}` : '') +
      `. Fresh connections come after the pool sat idle: the API (Node's default) answers \`Keep-Alive: timeout=5\`, and Node's fetch (undici) closes an idle socket 2 s before that, so a pool idle for ≥ 3 s while the co-located instance takes its turn reconnects once.`,
  };
}
