import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, jsonInit, TEST_MAX_BODY_BYTES, type TestApp } from '../support/app.ts';
import { DRIVERS } from '../support/databases.ts';
import {
  deepNesting,
  expectWellFormedAnswer,
  headerValue,
  hostileJson,
  nearlyValidNote,
  NOTES_FIELDS,
  numberLiteral,
  pointerTo,
  runs,
  snapshotDocument,
  snapshotTables,
  timeout,
  validNote,
} from './support.ts';

/**
 * Bodies of create and PATCH, as JSON values and as raw bytes. Properties: no 5xx, every error a problem,
 * a rejected request stores nothing, an accepted one stores exactly what it answered; and the statuses a
 * client can predict from what it sent (415, 400, 412, 422 for unknown fields) are the ones it gets.
 */

const NOTES = '/api/v1/forms/notes/documents';

interface Doc {
  id: string;
  version: number;
  data: Record<string, unknown>;
  deletedAt: string | null;
}

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

/** PostgreSQL runs the same properties with fewer cases: it is the slower driver and the cases are the same. */
const SHARE: Record<string, number> = { pglite: 1, postgres: 0.5 };

describe.each(DRIVERS)('request bodies, on $name', (driver) => {
  let t: TestApp;
  let seeded: Doc;
  let docUrl: string;
  const share = (n: number) => runs(Math.ceil(n * SHARE[driver.name]!));

  const current = async (): Promise<Doc> => {
    const res = await t.app.request(docUrl);
    expect(res.status).toBe(200);
    return (await res.json()) as Doc;
  };

  beforeAll(async () => {
    t = await buildTestApp(driver);
    const res = await t.app.request(NOTES, jsonInit('POST', { title: 'seeded', body: 'keep me', tags: ['green'] }));
    expect(res.status).toBe(201);
    seeded = (await res.json()) as Doc;
    docUrl = `${NOTES}/${seeded.id}`;
  });
  afterAll(() => t?.close());

  it('create: any JSON body is stored exactly as answered, or refused without storing anything', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileJson(), nearlyValidNote, validNote), async (body) => {
        const text = JSON.stringify(body);
        const before = await snapshotTables(t.database);
        const res = await t.app.request(NOTES, { method: 'POST', body: text, headers: { 'content-type': 'application/json' } });
        const answer = await expectWellFormedAnswer(res, `POST ${text.slice(0, 200)}`);
        const after = await snapshotTables(t.database);

        if (answer.status !== 201) {
          expect(after).toEqual(before);
          expect(answer.status).toBe(byteLength(text) > TEST_MAX_BODY_BYTES ? 413 : 422);
          if (answer.status === 413) return;
          const paths = answer.problem!.errors!.map((e) => e.path);
          if (typeof body !== 'object' || body === null || Array.isArray(body)) expect(paths).toEqual(['']);
          else for (const key of Object.keys(body).filter((k) => !(NOTES_FIELDS as readonly string[]).includes(k))) expect(paths).toContain(pointerTo(key));
          return;
        }
        const doc = answer.body as Doc;
        expect(res.headers.get('etag')).toBe('"1"');
        expect(res.headers.get('location')).toBe(`${NOTES}/${doc.id}`);
        // What was sent, with the one default filled in, and nothing else.
        expect(doc.data).toEqual({ priority: 3, ...(body as object) });
        expect(after.documents).toHaveLength(before.documents.length + 1);
        expect(after.versions).toHaveLength(before.versions.length + 1);
        const row = after.documents.find((d) => (d as { id: string }).id === doc.id) as { data: unknown } | undefined;
        expect(row?.data).toEqual(doc.data);
        expect(((await (await t.app.request(`${NOTES}/${doc.id}`)).json()) as Doc).data).toEqual(doc.data);
      }),
      { numRuns: share(100) },
    );
  }, timeout());

  it('PATCH: any JSON body and If-Match leaves the document as it was unless the answer is 200', async () => {
    const ifMatch = fc.oneof(
      fc.constant({ kind: 'none' as const }),
      fc.constant({ kind: 'any' as const }),
      fc.constant({ kind: 'current' as const }),
      fc.record({ kind: fc.constant('stale' as const), offset: fc.integer({ min: 1, max: 1000 }), weak: fc.boolean() }),
      fc.record({ kind: fc.constant('text' as const), value: headerValue() }),
    );
    const patch = fc.oneof(hostileJson(), nearlyValidNote, validNote.map((n) => ({ ...n, body: null })), fc.dictionary(fc.constantFrom(...NOTES_FIELDS, 'extra'), fc.constant(null)));
    await fc.assert(
      fc.asyncProperty(patch, ifMatch, fc.boolean(), async (body, precondition, deleted) => {
        // The document is live or deleted before each case, so 409 is reached as well as 200 and 422.
        let doc = await current();
        if ((doc.deletedAt !== null) !== deleted) {
          const toggle = await t.app.request(deleted ? docUrl : `${docUrl}/restore`, { method: deleted ? 'DELETE' : 'POST' });
          expect(toggle.status).toBeLessThan(300);
          doc = await current();
        }
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        let stale = false;
        if (precondition.kind === 'any') headers['if-match'] = '*';
        if (precondition.kind === 'current') headers['if-match'] = `"${doc.version}"`;
        if (precondition.kind === 'stale') {
          // A version the document is not at (or its own, weak: If-Match compares strongly).
          headers['if-match'] = precondition.weak ? `W/"${doc.version}"` : `"${Math.max(0, doc.version - precondition.offset)}", "${doc.version + precondition.offset}"`;
          stale = true;
        }
        if (precondition.kind === 'text' && precondition.value.trim() !== '') headers['if-match'] = precondition.value;

        const text = JSON.stringify(body);
        const before = await snapshotDocument(t.database, seeded.id);
        const res = await t.app.request(docUrl, { method: 'PATCH', body: text, headers });
        const answer = await expectWellFormedAnswer(res, `PATCH ${JSON.stringify(headers)} ${text.slice(0, 200)}`);
        const after = await current();

        if (answer.status === 200) {
          const changed = answer.body as Doc;
          expect([doc.version, doc.version + 1]).toContain(changed.version);
          expect(res.headers.get('etag')).toBe(`"${changed.version}"`);
          expect(after).toEqual(changed);
          expect(deleted).toBe(false);
          return;
        }
        expect(await snapshotDocument(t.database, seeded.id)).toEqual(before);
        expect(after).toEqual(doc);
        if (byteLength(text) > TEST_MAX_BODY_BYTES) return void expect(answer.status).toBe(413);
        if (stale) return void expect(answer.status).toBe(412);
        if (precondition.kind === 'text') return;
        if (deleted) return void expect(answer.status).toBe(409);
        expect(answer.status).toBe(422);
      }),
      { numRuns: share(100) },
    );
  }, timeout());

  it('raw bodies: bytes, truncated JSON, odd numbers and deep nesting under any content type', async () => {
    const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/problem+json', 'application/vnd.api+json'];
    const OTHER_TYPES = ['text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-seq', 'application/octet-stream', 'json'];
    const contentType = fc.oneof(
      fc.record({ kind: fc.constant('json' as const), value: fc.constantFrom(...JSON_TYPES) }),
      fc.record({ kind: fc.constant('other' as const), value: fc.constantFrom(...OTHER_TYPES) }),
      fc.record({ kind: fc.constant('absent' as const), value: fc.constant('') }),
      fc.record({ kind: fc.constant('any' as const), value: headerValue(80) }),
    );
    const body = fc.oneof(
      fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 2000 }) }),
      fc
        .tuple(nearlyValidNote, fc.nat())
        .map(([note, cut]) => {
          const text = JSON.stringify(note);
          return { kind: 'truncated' as const, bytes: new TextEncoder().encode(text.slice(0, cut % text.length)) };
        }),
      numberLiteral.map((literal) => ({ kind: 'number' as const, literal, bytes: new TextEncoder().encode(`{"title":"n","priority":${literal}}`) })),
      deepNesting.map((text) => ({ kind: 'deep' as const, bytes: new TextEncoder().encode(`{"tags":${text}}`) })),
    );
    const target = fc.constantFrom('create', 'patch');
    await fc.assert(
      fc.asyncProperty(target, body, contentType, async (where, sent, type) => {
        const url = where === 'create' ? NOTES : docUrl;
        const doc = await current();
        if (doc.deletedAt !== null) expect((await t.app.request(`${docUrl}/restore`, { method: 'POST' })).status).toBe(200);
        const before = await snapshotDocument(t.database, seeded.id);
        const headers: Record<string, string> = type.kind === 'absent' || type.value.trim() === '' ? {} : { 'content-type': type.value };
        const res = await t.app.request(url, { method: where === 'create' ? 'POST' : 'PATCH', body: sent.bytes, headers });
        const answer = await expectWellFormedAnswer(res, `${where} ${type.value} ${Buffer.from(sent.bytes).toString('latin1').slice(0, 200)}`);
        if (answer.status >= 400) expect(await snapshotDocument(t.database, seeded.id)).toEqual(before);

        // What a client can know in advance, in the order the checks run: size, media type, syntax.
        if (sent.bytes.byteLength > TEST_MAX_BODY_BYTES) return void expect(answer.status).toBe(413);
        if (type.kind === 'other' || type.kind === 'absent') return void expect(answer.status).toBe(415);
        if (type.kind !== 'json') return;
        if (sent.kind === 'truncated') expect(answer.status).toBe(400);
        if (sent.kind === 'number') {
          const parses = (() => {
            try {
              JSON.parse(sent.literal);
              return true;
            } catch {
              return false;
            }
          })();
          expect(answer.status === 400, `${sent.literal} -> ${answer.status}`).toBe(!parses);
        }
        if (sent.kind === 'deep') expect(answer.status).toBe(422);
      }),
      { numRuns: share(150) },
    );
  }, timeout());
});
