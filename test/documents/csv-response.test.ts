import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvHeaders, csvStream } from '../../src/documents/csv-response.ts';
import type { DocumentView } from '../../src/documents/service.ts';
import type { FormDefinition } from '../../src/forms/index.ts';

/**
 * The export stream through a real HTTP server on 127.0.0.1: what a client sees when the walk fails after
 * the first byte (here an input that throws on its second batch, as a database that went away does), and
 * that the stream reads a batch only when the one before was taken.
 */

const form = { name: 'tiny', title: 'Tiny', fields: { title: { type: 'text' } } } as unknown as FormDefinition;
const doc = (n: number): DocumentView => ({
  id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
  form: 'tiny',
  version: 1,
  data: { title: `doc ${n}` },
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
  updatedBy: null,
  deletedAt: null,
  deletedBy: null,
});

let server: ServerType;
let origin: string;
const failures: unknown[] = [];

async function* failingOnSecond(): AsyncGenerator<DocumentView[]> {
  yield [doc(2), doc(1)];
  throw new Error('connection lost');
}

beforeAll(async () => {
  const app = new Hono();
  app.get('/fails', (c) => c.body(csvStream(form, { deleted: false }, failingOnSecond(), (e) => failures.push(e)), 200, csvHeaders('tiny')));
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server?.close(resolve)));

describe('the CSV stream', () => {
  it('cuts the connection off when a batch fails after the first byte: the client gets an error, not a short file', async () => {
    const res = await fetch(`${origin}/fails`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="tiny-documents.csv"');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let failure: unknown;
    try {
      for (let i = 0; i < 10; i++) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
    } catch (e) {
      failure = e;
    }
    expect(failure, `the body ended cleanly after ${JSON.stringify(text)}`).toBeInstanceOf(Error);
    expect(failures).toHaveLength(1);
    expect(String(failures[0])).toMatch(/connection lost/);
    // What arrived before the cut, if anything (the server drops what it had not sent yet), is a start of the
    // header and the first batch, never more.
    const first = ['id,title,created_by,created_at,updated_by,updated_at', ...[2, 1].map((n) => `${doc(n).id},doc ${n},,${doc(n).createdAt},,${doc(n).updatedAt}`)];
    expect(`${first.join('\r\n')}\r\n`.startsWith(text)).toBe(true);
  });

  it('reads a batch only when the reader has taken what was queued, and stops the walk when the reader cancels', async () => {
    let read = 0;
    let finished = false;
    async function* endless(): AsyncGenerator<DocumentView[]> {
      try {
        for (let i = 0; i < 1_000; i++) {
          read++;
          yield [doc(i)];
        }
      } finally {
        finished = true;
      }
    }
    const stream = csvStream(form, { deleted: false }, endless(), () => {});
    const reader = stream.getReader();
    await reader.read();
    await reader.read();
    await new Promise((r) => setTimeout(r, 50));
    // Two chunks taken, at most one more read ahead to refill the queue of one.
    expect(read).toBeLessThanOrEqual(3);
    await reader.cancel();
    expect(finished).toBe(true);
    expect(read).toBeLessThanOrEqual(3);
  });
});
