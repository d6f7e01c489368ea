import type { Context } from 'hono';
import { err, ok, type Result } from '../result.ts';
import type { AppEnv } from './context.ts';
import { oauthError } from './errors.ts';
import { REALM } from './schemas.ts';

/**
 * The client credentials of a request (RFC 6749 §2.3.1): HTTP Basic, or `client_id` and `client_secret`
 * in the form body, never both. For this service the client id is a service account's name and the
 * secret one of its API keys.
 */

export interface ClientCredentials {
  readonly clientId: string;
  readonly secret: string;
}

/** `undefined` when the request carries no client credentials at all. */
export function clientCredentials(c: Context, form: Record<string, string>): Result<ClientCredentials | undefined, string> {
  const header = c.req.header('authorization');
  const inBody = form.client_id !== undefined || form.client_secret !== undefined;
  if (header !== undefined && inBody) return err('send client credentials either with HTTP Basic or in the body, not both');
  if (header !== undefined) return basic(header);
  if (!inBody) return ok(undefined);
  if (form.client_id === undefined || form.client_secret === undefined) return err('client_id and client_secret go together');
  return ok({ clientId: form.client_id, secret: form.client_secret });
}

function basic(header: string): Result<ClientCredentials, string> {
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (match === null) return err('the Authorization header must be HTTP Basic');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return err('the Basic credentials must be client_id:client_secret');
  // RFC 6749 §2.3.1: each part is form-encoded before the two are joined.
  const clientId = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (clientId === undefined || secret === undefined || clientId === '' || secret === '') return err('the Basic credentials are malformed');
  return ok({ clientId, secret });
}

function formDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** 401 invalid_client with the Basic challenge RFC 6749 §5.2 asks for. */
export function invalidClient(c: Context<AppEnv>, description: string): Response {
  c.set('refusal', 'client authentication failed');
  return oauthError(c, 401, 'invalid_client', description, { 'WWW-Authenticate': `Basic realm="${REALM}", charset="UTF-8"` });
}
