import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { documentStatements } from './documents-sql.ts';
import { BENCH_FORM } from './sample-document.ts';

/**
 * A reference point for the documents benchmark: the least an HTTP server can do for the same requests.
 * node:http and postgres.js with the floor's SQL, no framework, no validation, no access rules, no logs:
 * read the body and parse it, run the statement, answer with the row as JSON. What it loses against the floor
 * is what HTTP and the load generator cost on this machine, which any server pays; what Formgate loses
 * against it is Formgate's own. Prints its URL on the first line, then serves until it is stopped.
 */
const { values } = parseArgs({ options: { 'database-url': { type: 'string' } } });
if (values['database-url'] === undefined) throw new Error('usage: documents-minimal-server.ts --database-url URL');
const statements = await documentStatements(values['database-url']);
const collection = `/api/v1/forms/${BENCH_FORM}/documents`;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const answer = async (): Promise<[number, unknown]> => {
      if (req.method === 'POST' && req.url === collection) {
        JSON.parse(Buffer.concat(chunks).toString());
        return [201, await statements.create()];
      }
      if (req.method === 'GET' && req.url?.startsWith(collection + '/')) {
        const row = await statements.read(req.url.slice(collection.length + 1));
        return row === undefined ? [404, { status: 404 }] : [200, row];
      }
      return [404, { status: 404 }];
    };
    answer().then(
      ([status, body]) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      () => {
        res.writeHead(500).end();
      },
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.stdout.write(`http://127.0.0.1:${address.port}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  void statements.end();
});
