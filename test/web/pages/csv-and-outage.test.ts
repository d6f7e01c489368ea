import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../../src/web/app.tsx';
import { mainOf } from './html.ts';

/**
 * The web client apart from the API, as the next issue runs it: `api` is a fetch to another server. Here
 * that server is a stand-in on 127.0.0.1 for the API's CSV export, which another helper is building now:
 * it answers the list route with text/csv in chunks, the way the real export streams. When the export
 * lands, documents.test.ts checks the same download against the real API.
 */
let server: Server;
let origin: string;
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
const ROWS = 2000;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    if (req.url?.startsWith('/api/v1/forms/notes/documents') && req.headers.accept === 'text/csv') {
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="notes.csv"' });
      res.write('id,title\r\n');
      let i = 0;
      // Written in many chunks: the page must pass a stream through, not wait for a whole body.
      const more = () => {
        for (let n = 0; n < 100 && i < ROWS; n++, i++) res.write(`${i},"row ${i}"\r\n`);
        if (i < ROWS) setImmediate(more);
        else res.end();
      };
      more();
      return;
    }
    res.writeHead(403, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'You may not read documents of "secret".' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));

const webApp = (apiOrigin: string) =>
  createWebApp({ api: (path, init) => fetch(new URL(path, apiOrigin), init), publicUrl: 'http://127.0.0.1', signIn: null, sessionKeys: [new Uint8Array(randomBytes(32))] });

describe('the CSV download', () => {
  it('asks the API for text/csv with the list’s filters and streams its body with its type and file name', async () => {
    const res = await webApp(origin).request('http://127.0.0.1/forms/notes/documents.csv?mine=true&deleted=true&cursor=ignored');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="notes.csv"');
    const text = await res.text();
    expect(text.startsWith('id,title\r\n0,"row 0"\r\n')).toBe(true);
    expect(text.split('\r\n')).toHaveLength(ROWS + 2);
    const call = seen.at(-1);
    // Every page of the list: the filters, never a cursor or a page size.
    expect(call?.url).toBe('/api/v1/forms/notes/documents?mine=true&deleted=true');
    expect(call?.headers.accept).toBe('text/csv');
  });

  it('shows the API’s refusal as a page, not as a file', async () => {
    const res = await webApp(origin).request('http://127.0.0.1/forms/secret/documents.csv');
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(mainOf(await res.text())).toContain('You may not read documents of &quot;secret&quot;.');
  });
});

describe('an API that cannot be reached', () => {
  it('is a page that says the service is unavailable and when to try again', async () => {
    // A port that was just listening and is now closed: nothing answers there.
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    const web = webApp(`http://127.0.0.1:${port}`);
    for (const path of ['/forms/notes/new', '/forms/notes/documents', '/forms/notes/documents/01930000-0000-7000-8000-000000000000']) {
      const res = await web.request(`http://127.0.0.1${path}`);
      expect(res.status, path).toBe(503);
      expect(res.headers.get('retry-after'), path).toMatch(/^\d+$/);
      const html = await res.text();
      expect(mainOf(html), path).toContain('The service is unavailable');
      expect(mainOf(html), path).toMatch(/Try again in \d+ s\./);
    }
  });
});
