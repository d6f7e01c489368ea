import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ProblemError } from './problem.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Guards a route that takes a JSON body: 413 over the size limit (chunked bodies included), 415 for any
 * other content type, 400 for text that is not JSON. The parsed body is cached by Hono for the handler.
 */
export function jsonBody(maxBytes: number): MiddlewareHandler[] {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ProblemError(413, `The request body is larger than the limit of ${maxBytes} bytes.`, { limit: maxBytes });
    },
  });
  const parse: MiddlewareHandler = async (c, next) => {
    const type = c.req.header('content-type');
    if (!type || !JSON_TYPE.test(type)) {
      throw new ProblemError(415, `Send the body as JSON with "Content-Type: application/json"${type ? `, not "${type.slice(0, 100)}"` : ''}.`);
    }
    try {
      await c.req.json();
    } catch (e) {
      const reason = e instanceof SyntaxError ? e.message : 'it could not be read';
      throw new ProblemError(400, `The request body is not valid JSON: ${reason}.`);
    }
    await next();
  };
  return [limit, parse];
}
