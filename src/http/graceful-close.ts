import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * How a server stops: it takes no new connections and lets the requests in flight finish, cutting them off
 * after `graceMs`. Each response from then on says `Connection: close`, so keep-alive clients hang up after
 * their last answer instead of holding the process open until the grace period ends.
 * A twin: the other service has this same file, and Formgate's test/twins.test.ts keeps the two equal.
 */
export function gracefulClose(server: Server, graceMs: number): () => Promise<void> {
  // The responses being written right now, so closing can ask their connections to close after them.
  const responses = new Set<ServerResponse>();
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    responses.add(res);
    res.once('close', () => responses.delete(res));
  });
  return () =>
    new Promise((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      force.unref();
      server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
        res.shouldKeepAlive = false;
      });
      for (const res of responses) if (!res.headersSent) res.shouldKeepAlive = false;
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
}
