import postgres from 'postgres';
import { pino } from 'pino';
import { createHostApp } from '../src/host.ts';
import type { Database } from '../src/db/connect.ts';
import { encodeCursor } from '../src/documents/cursor.ts';
import type { FormRegistry } from '../src/forms/index.ts';

/**
 * How a page of a form's list behaves as the table grows: the first page and a page deep into the list
 * (by cursor), for a form at 10k documents and then at 1M (by default), measured over HTTP (app.request) in one run.
 */
export interface ScaleRow {
  documents: number;
  loadSeconds: number;
  firstPageMs: number;
  deepPageMs: number;
}

const PAGE = 50;
const SAMPLES = 200;

export async function listScale(database: Database, sql: postgres.Sql, forms: FormRegistry, form: string, sizes = [10_000, 1_000_000]): Promise<ScaleRow[]> {
  const app = createHostApp({
    config: { protect: { forms: 'none', documents: 'none' }, adminGroup: 'admin', auth: { healthUrl: null, timeoutMs: 1 }, maxBodyBytes: 1 << 20 },
    database,
    forms,
    logger: pino({ level: 'silent' }),
  });
  const rows: ScaleRow[] = [];
  let loaded = 0;
  for (const target of sizes) {
    const started = performance.now();
    await load(sql, form, loaded, target);
    await sql`analyze documents`;
    const loadSeconds = (performance.now() - started) / 1000;
    loaded = target;

    const base = `/api/v1/forms/${form}/documents?limit=${PAGE}`;
    // A cursor half way down the list: the page a keyset walk reaches after target/2 documents.
    const [middle] = await sql<{ id: string }[]>`select id from documents where form = ${form} order by id desc offset ${Math.floor(target / 2)} limit 1`;
    const cursor = encodeCursor(middle!.id);
    rows.push({
      documents: target,
      loadSeconds,
      firstPageMs: await medianMs(() => page(app, base)),
      deepPageMs: await medianMs(() => page(app, `${base}&cursor=${cursor}`)),
    });
  }
  return rows;
}

async function page(app: ReturnType<typeof createHostApp>, path: string): Promise<void> {
  const res = await app.request(path);
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  const body = (await res.json()) as { items: unknown[] };
  if (body.items.length !== PAGE) throw new Error(`${path} returned ${body.items.length} documents`);
}

async function medianMs(run: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 20; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

// Documents are written in bulk by SQL, with ids shaped like UUIDv7 (time first) so they sort as real ones do.
async function load(sql: postgres.Sql, form: string, from: number, to: number): Promise<void> {
  const chunk = 100_000;
  for (let start = from + 1; start <= to; start += chunk) {
    const end = Math.min(to, start + chunk - 1);
    await sql`
      insert into documents (id, form, version, data, created_by, created_at, updated_by, updated_at)
      select (lpad(to_hex(i), 12, '0') || '7000800000000000' || lpad(to_hex(i % 65536), 4, '0'))::uuid, ${form}, 1,
             jsonb_build_object('fullName', 'Person ' || i, 'email', 'p' || i || '@example.org', 'acceptsCodeOfConduct', true),
             'user-' || (i % 1000), now(), 'user-' || (i % 1000), now()
      from generate_series(${start}::int, ${end}::int) as i`;
  }
}
