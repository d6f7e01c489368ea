import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { problemBody, PROBLEM_CONTENT_TYPE } from './problem.ts';

/**
 * How long clients may hold a connection, and how many may: the server's own defence against sockets
 * held open on purpose or by accident. Without it, sockets trickling headers stayed ~60–90 s, a trickled
 * body 300 s, and enough held sockets used up the process's file descriptors.
 */

/** Headers are a few KB at most; a client that cannot send them in 10 s is not going to. */
const HEADERS_TIMEOUT_MS = 10_000;

/** Seconds a refused client is asked to wait: slots free up as soon as any connection closes. */
const RETRY_AFTER_S = 1;

/** Refusals are logged at most this often, with how many there were since the last line. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

export interface ConnectionSettings {
  readonly maxConnections: number;
  readonly requestTimeoutMs: number;
}

export interface LimitSettings extends ConnectionSettings {
  /** The longest the app may work on a request without writing: silence shorter than this is not a stall. */
  readonly workBoundMs: number;
}

/**
 * Options for `createServer`. Node checks its timeouts every `connectionsCheckingInterval` (30 s by
 * default, which is why a slow client lasted up to 90 s against a 60 s headers timeout); checking a
 * quarter as often as the shortest timeout keeps the cut within 25 % of it. A check walks the open
 * connections, which the cap keeps to a few thousand.
 */
export function serverOptions(settings: ConnectionSettings): ServerOptions {
  const headersTimeout = Math.min(HEADERS_TIMEOUT_MS, settings.requestTimeoutMs);
  return {
    headersTimeout,
    requestTimeout: settings.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, Math.max(25, Math.floor(headersTimeout / 4))),
  };
}

/**
 * The connections beyond `maxConnections` that still get a 503: an answer tells a client its request was
 * not run (a POST cut by a reset leaves it guessing) and when to come back. Each holds a descriptor until
 * its request arrives or the headers timeout, so they are bounded too; beyond them Node closes new
 * connections at once.
 */
export function refusalRoom(maxConnections: number): number {
  return Math.max(10, Math.ceil(maxConnections / 10));
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Caps the server's connections. Returns the request listener to install: requests on a connection that
 * arrived while the cap was reached get a 503 without reaching the app, and that connection is closed.
 * Must be called before the server takes connections.
 */
export function limitConnections(server: Server, settings: LimitSettings, listener: Listener, logger: Logger): Listener {
  const { maxConnections } = settings;
  server.maxConnections = maxConnections + refusalRoom(maxConnections);
  // The headers and request timeouts end once a request has arrived; a client that then stops reading its
  // answer would hold its slot for ever, and enough of them would fill the cap. A socket on which nothing
  // moves, in either direction, for the request timeout is destroyed (Node does that for a server with no
  // 'timeout' listener), but never sooner than the app's own waits, which end in an answer.
  server.setTimeout(Math.max(settings.requestTimeoutMs, settings.workBoundMs + 1_000));
  const refused = new WeakSet<Socket>();
  let served = 0;

  // Counted since the last log line, which is written at most once a minute.
  const refusals = { answered: 0, closed: 0 };
  let lastLogged = -Infinity;
  const count = (how: keyof typeof refusals) => {
    refusals[how]++;
    const now = performance.now();
    if (now - lastLogged < REFUSAL_LOG_INTERVAL_MS) return;
    logger.warn({ maxConnections, refused: { ...refusals } }, 'connection limit reached: new connections are refused');
    lastLogged = now;
    refusals.answered = refusals.closed = 0;
  };

  server.on('connection', (socket: Socket) => {
    if (served >= maxConnections) {
      refused.add(socket);
      count('answered');
      return;
    }
    served++;
    socket.once('close', () => served--);
  });
  // Node closed a connection past `server.maxConnections` before anything could be said on it.
  server.on('drop', () => count('closed'));

  const body = JSON.stringify(problemBody(503, 'Formgate is serving as many connections as it takes; try again shortly.'));
  return (req, res) => {
    if (!refused.has(req.socket)) return listener(req, res);
    res.shouldKeepAlive = false;
    res.writeHead(503, {
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      'retry-after': String(RETRY_AFTER_S),
      connection: 'close',
    });
    res.end(body);
  };
}
