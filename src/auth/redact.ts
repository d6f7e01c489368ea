/**
 * An identity service's answer made fit for a log line: the token (should a service echo it) and any
 * member whose name says it is secret are replaced, and the text is shortened.
 */

const SECRET_KEY = /token|secret|password|passwd|api[-_]?key|credential|authorization|cookie/i;
const MAX_CHARS = 1000;

export function redactAnswer(body: string, token: string): string {
  // The token as sent, and as a form body or a URL would carry it (an endpoint may echo its request).
  const forms = token === '' ? [] : [...new Set([token, encodeURIComponent(token), new URLSearchParams({ t: token }).toString().slice(2)])];
  const scrub = (text: string) => forms.reduce((out, form) => out.split(form).join('[token]'), text);
  let text = scrub(body);
  try {
    // Parsing decodes escapes (`\/`, `\u00e9`) that can hide the token from the first pass, so strings are scrubbed again.
    text = JSON.stringify(JSON.parse(text), (key, value: unknown) => {
      if (key !== '' && SECRET_KEY.test(key)) return '[redacted]';
      return typeof value === 'string' ? scrub(value) : value;
    });
  } catch {
    // Not JSON: the token is already out; what is left is shown as it came.
  }
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}… (${text.length} characters)` : text;
}
