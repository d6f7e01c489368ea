import type { z } from 'zod';
import type { ApiAnswer, ApiCaller } from '../api-client.ts';
import { formSchema, type Form } from '../fields/api-schemas.ts';
import { apiPaths } from '../paths.ts';
import { err, ok, type Result } from '../../result.ts';

/**
 * An answer with the expected status read through a schema; anything else comes back as the answer, for
 * failurePage. A body that does not fit the schema is the API breaking its contract: an error page, not a crash.
 */
export function expect<S extends z.ZodType>(answer: ApiAnswer, status: number, schema: S): Result<z.output<S>, ApiAnswer> {
  if (answer.status !== status) return err(answer);
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) return err(contractBroken(answer));
  return ok(parsed.data);
}

/** 500, not 502: failurePage shows a 502 as "unavailable, try again", and waiting will not fix this. */
export function contractBroken(answer: ApiAnswer): ApiAnswer {
  return { status: 500, headers: answer.headers, body: { detail: 'The API answered in a way this page does not understand.' } };
}

export async function readForm(api: ApiCaller, name: string): Promise<Result<Form, ApiAnswer>> {
  return expect(await api.call('GET', apiPaths.form(name)), 200, formSchema);
}

/** The version an ETag carries (`"3"` → 3); the pages keep it as a number in a hidden field. */
export function versionOf(etag: string | null): number | undefined {
  const match = etag === null ? null : /^(?:W\/)?"(\d{1,15})"$/.exec(etag);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export const ifMatch = (version: number): string => `"${version}"`;
