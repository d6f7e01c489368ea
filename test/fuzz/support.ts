import fc from 'fast-check';
import { asc, count, eq } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Database } from '../../src/db/connect.ts';
import { documents, documentVersions } from '../../src/db/schema.ts';
import { expectProblem, type Problem } from '../support/app.ts';

/**
 * What every fuzz file shares: how many runs, the hostile values, and the two properties every answer must
 * have (no 5xx the client caused; an error is an RFC 9457 problem) plus a snapshot of what is stored.
 */

/**
 * Runs per property. `npm test` keeps them few so the folder stays fast; FORMGATE_FUZZ_RUNS=<n> multiplies
 * every count for a long hunt on a laptop (fast-check prints the seed and path of any failure to replay it).
 */
const SCALE = Math.max(1, Number(process.env.FORMGATE_FUZZ_RUNS) || 1);
export const runs = (n: number): number => Math.round(n * SCALE);
/** A test's time limit, grown with the runs. */
export const timeout = (ms = 30_000): number => ms * SCALE;

/** A UTF-16 unit on its own: half a surrogate pair, which JSON text can carry (`"\ud800"`) but jsonb cannot. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const controlChar = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));
/** Characters that have broken parsers, loggers and databases before. */
const oddChar = fc.constantFrom('\u0000', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ufffd', '\uffff', '"', '\\', '/', '~', '%', '.', '?', '#', '&', '=', ';', ',', '*');

/** One unit of a hostile string: mostly ordinary, sometimes anything at all. */
const hostileUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: controlChar },
  { weight: 1, arbitrary: oddChar },
);

/** Short hostile text, or now and then a huge run of one character (within the test body limit of 16 KiB). */
export const hostileString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.string({ unit: hostileUnit, maxLength }) },
    { weight: 1, arbitrary: fc.tuple(hostileUnit, fc.integer({ min: 200, max: 6000 })).map(([unit, n]) => unit.repeat(n)) },
  );

/** Numbers JSON can carry, with the edges: -0, the largest double, the smallest, huge and fractional integers. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -10, max: 10 }),
  fc.constantFrom(-0, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, 2.5, 1.0000000000000002),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, with hostile strings for keys and values, nested up to `maxDepth`. */
export const hostileJson = (maxDepth = 4): fc.Arbitrary<unknown> =>
  fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth, withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      hostileNumber,
      hostileString(),
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(hostileString(12), tie('value'), { maxKeys: 5 }),
    ),
  })).value;

/** Nesting far deeper than any form uses, in arrays or objects, as JSON text. */
export const deepNesting: fc.Arbitrary<string> = fc
  .record({ depth: fc.integer({ min: 50, max: 3000 }), objects: fc.boolean(), leaf: fc.constantFrom('1', '"red"', 'null', '{}', '[]') })
  .map(({ depth, objects, leaf }) => (objects ? '{"a":'.repeat(depth) + leaf + '}'.repeat(depth) : '['.repeat(depth) + leaf + ']'.repeat(depth)));

/**
 * Numbers written as JSON text cannot be: `NaN`, `Infinity`, hex, leading zeros, a lone dot; and ones that
 * are valid but odd: `-0`, `1e400` (which parses to Infinity), `1E+2`, a 400-digit integer.
 */
export const numberLiteral = fc.constantFrom('-0', '1e308', '1e400', '-1e400', '1e-400', '1E+2', '3.0', '9'.repeat(400), 'NaN', '"NaN"', 'Infinity', '-Infinity', '0x10', '03', '1.', '.5', '+1', '- 1');

/** The notes form (test/fixtures/forms.yaml): its fields and a document it accepts. */
export const NOTES_FIELDS = ['title', 'body', 'priority', 'tags'] as const;

/** Well-formed text a text field stores: no NUL, no half surrogate pair. */
const storableText = (min: number, max: number) =>
  fc.string({ unit: 'grapheme', minLength: min, maxLength: max }).filter((s) => !s.includes('\u0000') && s.isWellFormed());

export const validNote: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    title: storableText(1, 30).filter((s) => s.length <= 100),
    body: storableText(0, 60),
    priority: fc.integer({ min: 1, max: 5 }),
    tags: fc.subarray(['red', 'green', 'blue']),
  },
  { requiredKeys: ['title'] },
);

/** A note with one thing wrong, or nothing: a field's value replaced by anything, an unknown field, a field dropped. */
export const nearlyValidNote: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    validNote,
    fc.oneof(
      fc.record({ kind: fc.constant('replace' as const), field: fc.constantFrom(...NOTES_FIELDS), value: hostileJson(2) }),
      fc.record({ kind: fc.constant('add' as const), field: hostileString(12), value: hostileJson(2) }),
      fc.record({ kind: fc.constant('drop' as const), field: fc.constantFrom(...NOTES_FIELDS), value: fc.constant(null) }),
      fc.record({ kind: fc.constant('none' as const), field: fc.constant(''), value: fc.constant(null) }),
    ),
  )
  .map(([note, change]) => {
    const out: Record<string, unknown> = { ...note };
    if (change.kind === 'replace' || change.kind === 'add') {
      // defineProperty, so a key named __proto__ becomes a member of the body as JSON.parse would make it.
      Object.defineProperty(out, change.field, { value: change.value, enumerable: true, configurable: true, writable: true });
    } else if (change.kind === 'drop') delete out[change.field];
    return out;
  });

/** Header values the Fetch Headers API accepts: any latin-1 text but NUL, CR and LF (it trims the ends itself). */
export const headerValue = (maxLength = 60): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: 'binary-ascii', maxLength }).map((s) => s.replace(/[\0\r\n]/g, '')),
    // Unicode the way Node's HTTP parser hands it over: the UTF-8 bytes, each as one latin-1 character.
    hostileString(maxLength).map((s) => Buffer.from(s.replace(/[\0\r\n]/g, ''), 'utf8').toString('latin1')),
  );

/**
 * The two promises every answer keeps: no 5xx (unless `allowed` names one, for a failing identity service),
 * and an error is `application/problem+json` with the RFC 9457 members and the request id. Returns the
 * problem for an error, the parsed JSON (or null) for a success.
 */
export async function expectWellFormedAnswer(
  res: Response,
  what: string,
  options: { allowed?: readonly number[]; head?: boolean } = {},
): Promise<{ status: number; problem?: Problem; body?: unknown }> {
  const status = res.status;
  if (status >= 500 && !(options.allowed ?? []).includes(status)) {
    expect.fail(`${what}: ${status} ${(await res.text()).slice(0, 500)}`);
  }
  // A HEAD answer has the GET answer's headers and no body.
  if (options.head) {
    if (status >= 400) expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json(;|$)/);
    expect(await res.text()).toBe('');
    return { status };
  }
  if (status >= 400) return { status, problem: await expectProblem(res, status) };
  const text = await res.text();
  return { status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

export interface Snapshot {
  documents: unknown[];
  versions: unknown[];
}

/** Both tables, row for row, in a fixed order: what "nothing was stored" is compared against. */
export async function snapshotTables(database: Database): Promise<Snapshot> {
  const { db } = database;
  return {
    documents: await db.select().from(documents).orderBy(asc(documents.id)),
    versions: await db.select().from(documentVersions).orderBy(asc(documentVersions.documentId), asc(documentVersions.version)),
  };
}

/**
 * One document's row and every version of it, with the row counts of both tables: what "this request changed
 * nothing" is compared against when the tables are too big to compare whole after every case.
 */
export async function snapshotDocument(database: Database, id: string): Promise<Snapshot & { counts: number[] }> {
  const { db } = database;
  const [docs] = await db.select({ n: count() }).from(documents);
  const [versions] = await db.select({ n: count() }).from(documentVersions);
  return {
    counts: [docs?.n ?? -1, versions?.n ?? -1],
    documents: await db.select().from(documents).where(eq(documents.id, id)),
    versions: await db.select().from(documentVersions).where(eq(documentVersions.documentId, id)).orderBy(asc(documentVersions.version)),
  };
}

/** RFC 6901: how a field name appears in an error's `path`. */
export const pointerTo = (field: string): string => '/' + field.replaceAll('~', '~0').replaceAll('/', '~1');
