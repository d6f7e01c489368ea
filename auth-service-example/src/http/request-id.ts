// What an id looks like (a UUID, `formgate:42`…). A caller's id is kept only then, so a proxy's ids join
// up while nobody can write arbitrary text, or a secret sent by mistake, into the log.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller's `x-request-id` when it looks like an id, otherwise undefined.
 * A twin: the other service has this same file, and Formgate's test/twins.test.ts keeps the two equal.
 */
export function acceptedRequestId(header: string | undefined): string | undefined {
  return header !== undefined && REQUEST_ID.test(header) ? header : undefined;
}
