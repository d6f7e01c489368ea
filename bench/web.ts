import { compareVariants, pairedRatio, type Variant, type VariantRow } from './compare.ts';
import { startFormgate, stop } from './processes.ts';
import { BENCH_FORM, BENCH_FORMS, REGISTRATION } from './sample-document.ts';
import { PAGE_SIZES } from '../src/web/pages/list-query.ts';
import { measureSplit, middleHalf, startWebOnlyInstance, type SplitFigures, type SplitOptions, type SplitPage, type WebOnlyInstance } from './web-split.ts';

/**
 * What the web client costs: its pages against the API calls they make, and the API with the client mounted
 * against the API alone (`--no-ui`). Two `formgate serve --protect none` processes on one database, one with
 * the web client (the default) and one without; the bench form has no `access` block, so the anonymous
 * visitor may read everything and no sign-in is involved. Each comparison is a pair of variants taking turns
 * in rounds (compare.ts); its ratio is the median of the rounds' own ratios. Last, the same pages from a
 * web-only instance pointed at the `--no-ui` process, against the co-located one (web-split.ts).
 */

export interface WebBenchOptions {
  databaseUrl: string;
  connections: number;
  /** Rounds of each page-against-API pair. */
  rounds: number;
  /** Rounds of the mounted-against-`--no-ui` pair, and their length: a ratio near 1 wants many short ones, so that the two halves of a round see the same machine. */
  mountedRounds: number;
  mountedSecondsPerRound: number;
  secondsPerRound: number;
  /** Load on each variant before a pair's first round. */
  warmupSeconds: number;
  /** The web-only against co-located pairs, one per page. */
  split: Omit<SplitOptions, 'connections'>;
}

export interface WebComparison {
  /** The request measured, then the one it is compared with. */
  rows: [VariantRow, VariantRow];
  /** rows[0] as a share of rows[1], round by round. */
  ratio: number;
  /** The middle half of the rounds' own ratios (25th to 75th percentile): how far one round's ratio is to be trusted here. */
  spread: [number, number];
}

export interface WebFigures {
  list: WebComparison;
  form: WebComparison;
  mounted: WebComparison;
  documents: number;
  pageSize: number;
  split: SplitFigures;
}

/** The 50-row page: one of the sizes the list offers; the API list compared asks for as many rows. */
const PAGE_SIZE = 50;
if (!(PAGE_SIZES as readonly number[]).includes(PAGE_SIZE)) throw new Error(`the web client offers no ${PAGE_SIZE}-row page`);
/** Enough documents that a page is full and has a next one. */
const DOCUMENTS = PAGE_SIZE + 10;

export const WEB_PATHS = {
  listPage: `/forms/${BENCH_FORM}/documents?size=${PAGE_SIZE}`,
  listApi: `/api/v1/forms/${BENCH_FORM}/documents?limit=${PAGE_SIZE}`,
  formPage: `/forms/${BENCH_FORM}/new`,
  formApi: `/api/v1/forms/${BENCH_FORM}`,
  home: '/',
} as const;

/** The pages measured web-only against co-located, with the API calls each makes (src/web/pages). */
const SPLIT_PAGES: SplitPage[] = [
  { page: 'form page', path: WEB_PATHS.formPage, apiCalls: '`GET /api/v1/forms/{form}`' },
  { page: `${PAGE_SIZE}-row documents page`, path: WEB_PATHS.listPage, apiCalls: `\`GET /api/v1/forms/{form}\` and \`…/documents?limit=${PAGE_SIZE}\`, together` },
  { page: 'home page', path: WEB_PATHS.home, apiCalls: '`GET /api/v1/me` and `GET /api/v1/forms`, together' },
];

export async function webOverhead(options: WebBenchOptions): Promise<WebFigures> {
  const common = ['--database-url', options.databaseUrl, '--forms', BENCH_FORMS, '--protect', 'none'];
  const servers: Awaited<ReturnType<typeof startFormgate>>[] = [];
  let webOnly: WebOnlyInstance | undefined;
  try {
    // One at a time, as elsewhere: two processes migrating one database at once is not what is measured.
    const ui = await startFormgate(common);
    servers.push(ui);
    const api = await startFormgate([...common, '--no-ui']);
    servers.push(api);
    webOnly = await startWebOnlyInstance(api.url);
    await seed(ui.url, DOCUMENTS);
    const visitor = await returningVisitor(ui.url);
    // Its own visitor: each instance seals its cookies with a key of its own.
    const webVisitor = await returningVisitor(webOnly.url);
    for (const [pages, headers] of [[ui.url, visitor], [webOnly.url, webVisitor]] as const) {
      await checkListPage(api.url, pages, headers);
      await checkFormPage(api.url, pages, headers);
      await checkHomePage(pages, headers);
    }
    await checkNoUi(api.url);

    const { connections, secondsPerRound, warmupSeconds } = options;
    const pair = async (a: Variant, b: Variant, rounds: number, seconds = secondsPerRound): Promise<WebComparison> => {
      const [first, second] = await compareVariants([a, b], '', { connections, rounds, secondsPerRound: seconds, warmupSeconds });
      return { rows: [first!, second!], ratio: pairedRatio(first!, second!), spread: middleHalf(first!.perRound.map((x, i) => x / second!.perRound[i]!)) };
    };
    // The path goes into each variant's URL, so one comparison may send different requests.
    const onUi = (variant: string, path: string): Variant => ({ variant, url: ui.url + path, pid: ui.child.pid, headers: path.startsWith('/api/') ? {} : visitor });
    const onApi = (variant: string, path: string): Variant => ({ variant, url: api.url + path, pid: api.child.pid });
    // The two processes first, while both have served the same (nothing): a server warmed by the page pairs
    // would meet an idle --no-ui one with its code optimised and its pool's statements prepared.
    const mounted = await pair(onUi('API list, web client mounted', WEB_PATHS.listApi), onApi('API list, --no-ui', WEB_PATHS.listApi), options.mountedRounds, options.mountedSecondsPerRound);
    return {
      mounted,
      list: await pair(onUi('documents page', WEB_PATHS.listPage), onUi('API list', WEB_PATHS.listApi), options.rounds),
      form: await pair(onUi('form page', WEB_PATHS.formPage), onUi('API form', WEB_PATHS.formApi), options.rounds),
      // After the pairs above, which leave the --no-ui process warm: its warm-up here is the web-only pages'.
      split: await measureSplit(
        SPLIT_PAGES,
        { url: ui.url, pid: ui.child.pid!, headers: visitor },
        { url: webOnly.url, pid: webOnly.pid, headers: webVisitor, apiPid: api.child.pid!, counts: webOnly.counts },
        { connections, ...options.split },
      ),
      documents: DOCUMENTS,
      pageSize: PAGE_SIZE,
    };
  } finally {
    await Promise.all([...servers.map((s) => stop(s.child)), webOnly?.stop()]);
  }
}

/** Documents created through the API, as people would send them, each with a name of its own. */
async function seed(url: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    const created = await fetch(`${url}/api/v1/forms/${BENCH_FORM}/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...REGISTRATION, fullName: `Bench Person ${i}`, guests: i % 5 }),
    });
    if (created.status !== 201) throw new Error(`seeding document ${i} failed: ${created.status} ${await created.text()}`);
  }
}

/**
 * The cookies a browser carries after its first page (the anonymous visitor's CSRF secret), sent with every
 * page request measured: the figures are those of someone using the client, not of a new visitor each time.
 */
async function returningVisitor(url: string): Promise<Record<string, string>> {
  const first = await fetch(url + WEB_PATHS.formPage);
  await first.body?.cancel();
  const cookies = first.headers.getSetCookie().map((c) => c.split(';')[0]!);
  if (cookies.length === 0) return {};
  return { cookie: cookies.join('; ') };
}

async function html(url: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(url, { headers });
  const body = await res.text();
  if (res.status !== 200 || !(res.headers.get('content-type') ?? '').startsWith('text/html')) {
    throw new Error(`${url} answered ${res.status} ${res.headers.get('content-type') ?? ''}, not an HTML page: ${body.slice(0, 200)}`);
  }
  return body;
}

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

/** The page measured must be the full page: it shows every document of the API page it wraps. */
async function checkListPage(apiUrl: string, url: string, visitor: Record<string, string>): Promise<void> {
  const { items } = await json<{ items: { id: string }[] }>(apiUrl + WEB_PATHS.listApi);
  if (items.length !== PAGE_SIZE) throw new Error(`the API list returned ${items.length} documents, expected ${PAGE_SIZE}`);
  const page = await html(url + WEB_PATHS.listPage, visitor);
  const missing = items.filter(({ id }) => !page.includes(id));
  if (missing.length > 0) throw new Error(`the documents page ${WEB_PATHS.listPage} does not show ${missing.length} of the ${PAGE_SIZE} documents the API lists (is the page size named otherwise?)`);
}

/** The form page must be the whole form: a control for every field the API defines. */
async function checkFormPage(apiUrl: string, url: string, visitor: Record<string, string>): Promise<void> {
  const { fields } = await json<{ fields: Record<string, unknown> }>(apiUrl + WEB_PATHS.formApi);
  const page = await html(url + WEB_PATHS.formPage, visitor);
  const missing = Object.keys(fields).filter((name) => !page.includes(`name="${name}"`));
  if (missing.length > 0) throw new Error(`the form page ${WEB_PATHS.formPage} has no control for ${missing.join(', ')}`);
}

/** The home page must offer the bench form, or it measured the page that says there is nothing here. */
async function checkHomePage(url: string, visitor: Record<string, string>): Promise<void> {
  const page = await html(url + WEB_PATHS.home, visitor);
  if (!page.includes(`href="${WEB_PATHS.formPage}"`)) throw new Error(`the home page of ${url} does not link to ${WEB_PATHS.formPage}`);
}

/** The `--no-ui` server must really be without the web client, or the last comparison compares nothing. */
async function checkNoUi(url: string): Promise<void> {
  const res = await fetch(url + WEB_PATHS.formPage);
  await res.body?.cancel();
  if (res.status !== 404) throw new Error(`formgate --no-ui answered ${res.status} for ${WEB_PATHS.formPage}, expected 404`);
}
