/**
 * An identity service's answer made fit for a log line: the token (should a service echo it) and any
 * member whose name says it is secret are replaced, and the text is shortened.
 */

const SECRET_KEY = /token|secret|password|passwd|api[-_]?key|credential|authorization|cookie/i;
const MAX_CHARS = 1000;

export function redactAnswer(body: string, token: string): string {
  let text = token === '' ? body : body.split(token).join('[token]');
  try {
    text = JSON.stringify(JSON.parse(text), (key, value: unknown) => (key !== '' && SECRET_KEY.test(key) ? '[redacted]' : value));
  } catch {
    // Not JSON: the token is already out; what is left is shown as it came.
  }
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}… (${text.length} characters)` : text;
}
