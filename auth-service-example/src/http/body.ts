import type { Context } from 'hono';
import { err, ok, type Result } from '../result.ts';

/**
 * Reading request bodies by hand, so that every mistake in one becomes the error its protocol names
 * (OAuth's invalid_request, a 400 on /validate) instead of a framework's generic answer.
 */

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/**
 * The parameters of an `application/x-www-form-urlencoded` body. As RFC 6749 §3.1 says, a parameter
 * sent without a value counts as omitted, and one sent twice makes the request invalid.
 */
export async function readForm(c: Context): Promise<Result<Record<string, string>, string>> {
  if (!hasFormBody(c)) return err('the body must be application/x-www-form-urlencoded');
  const params = new URLSearchParams(await c.req.text());
  const form: Record<string, string> = {};
  for (const [name, value] of params) {
    if (value === '') continue;
    if (Object.hasOwn(form, name)) return err(`the parameter ${JSON.stringify(name.slice(0, 40))} is given more than once`);
    form[name] = value;
  }
  return ok(form);
}

/** Whether the request says its body is `application/x-www-form-urlencoded`. */
export function hasFormBody(c: Context): boolean {
  return FORM.test(c.req.header('content-type') ?? '');
}

export async function readJson(c: Context): Promise<Result<unknown, string>> {
  if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) return err('the body must be JSON (Content-Type: application/json)');
  try {
    return ok(JSON.parse(await c.req.text()) as unknown);
  } catch {
    return err('the body is not valid JSON');
  }
}
