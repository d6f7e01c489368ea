import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { ADMIN_TOKEN } from './identity-client.ts';

/**
 * The identity service the benchmarks talk to (Formgate's own protocol): every token is valid for 300 s, with
 * the groups ['staff'], except `bench-admin`, which is in `admin` so a benchmark can read the admin API.
 * By default it answers at once, so what a benchmark sees is Formgate's own cost of asking; `--delay-ms N`
 * holds every answer N ms, so that a burst of requests really overlaps the first call.
 *
 * It counts the calls it answers, per token: `GET /calls` says `{ calls, tokens }` (how many calls, for how
 * many distinct tokens) and `DELETE /calls` starts again from zero. Tokens are counted by their SHA-256
 * digest, never kept in clear. Prints its URL on stdout when it listens. It also accepts OTLP exports
 * (`/v1/…`) and drops them.
 */
const { values } = parseArgs({ options: { 'delay-ms': { type: 'string', default: '0' } } });
const delayMs = Number(values['delay-ms']);
if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > 10_000) throw new Error(`--delay-ms must be 0 to 10000, not ${values['delay-ms']}`);

const adminAnswer = JSON.stringify({ userId: ADMIN_TOKEN, groups: ['admin'], ttl: 300 });

const callsPerToken = new Map<string, number>();
let calls = 0;

function validate(body: string, res: ServerResponse): void {
  let token: unknown;
  try {
    token = (JSON.parse(body) as { token?: unknown }).token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') return void res.writeHead(401).end();
  const digest = createHash('sha256').update(token).digest('hex');
  calls++;
  callsPerToken.set(digest, (callsPerToken.get(digest) ?? 0) + 1);
  // Each token is a user of its own, so a cache of many tokens holds as many distinct identities.
  const answer = token === ADMIN_TOKEN ? adminAnswer : JSON.stringify({ userId: `user-${digest.slice(0, 16)}`, groups: ['staff'], ttl: 300 });
  const send = () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) }).end(answer);
  if (delayMs === 0) send();
  else setTimeout(send, delayMs);
}

function route(req: IncomingMessage, body: string, res: ServerResponse): void {
  if (req.url === '/healthz') return void res.writeHead(200).end();
  // The tracing benchmark exports its spans here too: accepted and dropped.
  if (req.url?.startsWith('/v1/')) return void res.writeHead(200).end();
  if (req.url === '/calls' && req.method === 'GET') {
    const counts = JSON.stringify({ calls, tokens: callsPerToken.size });
    return void res.writeHead(200, { 'content-type': 'application/json' }).end(counts);
  }
  if (req.url === '/calls' && req.method === 'DELETE') {
    calls = 0;
    callsPerToken.clear();
    return void res.writeHead(204).end();
  }
  validate(body, res);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => route(req, Buffer.concat(chunks).toString('utf8'), res));
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`http://127.0.0.1:${address.port}/validate\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
