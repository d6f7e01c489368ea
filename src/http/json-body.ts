import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { hasMoreNodesThan, MAX_JSON_NODES } from './json-nodes.ts';
import { ProblemError } from './problem.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Guards a route that takes a JSON body: 413 over the size limit (chunked bodies included), 415 for any
 * other content type, 400 for text that is not JSON or a Content-Length that is not a number, 413 for more
 * than MAX_JSON_NODES objects, arrays and members. The parsed body is cached by Hono for the handler.
 */
export function jsonBody(maxBytes: number): MiddlewareHandler[] {
  const tooLarge = () => {
    throw new ProblemError(413, `The request body is larger than the limit of ${maxBytes} bytes.`, { limit: maxBytes });
  };
  const countingLimit = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  const limit: MiddlewareHandler = (c, next) => {
    // A declared length settles it (Node's parser holds the body to it) without touching the body stream:
    // Hono's bodyLimit looks at the stream first, which makes the Node adapter build a whole web Request, a
    // tenth of a create's CPU. A chunked body has no length to trust, so its bytes are counted as they come.
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return countingLimit(c, next);
    // Node's parser refuses any other Content-Length before this runs; another adapter might not (RFC 9110 §8.6).
    if (!/^[0-9]+$/.test(length)) throw new ProblemError(400, 'The Content-Length header must be a number of bytes.');
    if (Number(length) > maxBytes) tooLarge();
    return next();
  };
  const parse: MiddlewareHandler = async (c, next) => {
    const type = c.req.header('content-type');
    if (!type || !JSON_TYPE.test(type)) {
      throw new ProblemError(415, `Send the body as JSON with "Content-Type: application/json"${type ? `, not "${type.slice(0, 100)}"` : ''}.`);
    }
    let text: string;
    try {
      text = await c.req.text();
    } catch {
      throw new ProblemError(400, 'The request body is not valid JSON: it could not be read.');
    }
    // Counted before parsing: what costs is building the members, not refusing them afterwards.
    if (hasMoreNodesThan(text, MAX_JSON_NODES)) {
      throw new ProblemError(413, `The request body has more than ${MAX_JSON_NODES} JSON objects, arrays and object members; a document is one object with a member per field.`, { limit: MAX_JSON_NODES });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      const reason = e instanceof SyntaxError ? e.message : 'it could not be read';
      throw new ProblemError(400, `The request body is not valid JSON: ${reason}.`);
    }
    // Hono's validators read the body through this cache; without it they would parse the text again.
    c.req.bodyCache.json = Promise.resolve(parsed);
    await next();
  };
  return [limit, parse];
}
