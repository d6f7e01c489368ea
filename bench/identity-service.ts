import { createServer } from 'node:http';

/**
 * The identity service the auth benchmark talks to: every token is `bench`, for 300 s. It answers at once,
 * so what the benchmark sees is Formgate's own cost of asking (HTTP round trip, reading, caching).
 * Prints its URL on stdout when it listens. It also accepts OTLP exports (`/v1/…`) and drops them.
 */
const answer = JSON.stringify({ userId: 'bench', groups: ['staff'], ttl: 300 });

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/healthz') return void res.writeHead(200).end();
    // The tracing benchmark exports its spans here too: accepted and dropped.
    if (req.url?.startsWith('/v1/')) return void res.writeHead(200).end();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) }).end(answer);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`http://127.0.0.1:${address.port}/validate\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
