import { z } from '@hono/zod-openapi';
import { err, ok, type Result } from '../result.ts';
import { knownMediaType } from './answer-shape.ts';
import { userIdProblem } from './user-id.ts';

/**
 * Strict reading of an identity service's answer. A body that does not fit is reported as the path that
 * broke and what was expected there (`at .userId: expected a non-empty string`), so a deployer can fix
 * their service from the message alone. Unknown members are ignored: services add their own.
 * `null` counts as absent for optional members, because many services serialise a missing name that way.
 */

export const nonEmptyString = z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' });

/** A user id, held to the rule of `user-id.ts`; the expectation a 502 names is the first rule it breaks. */
export const userIdString = nonEmptyString.superRefine((id, ctx) => {
  const problem = id === '' ? undefined : userIdProblem(id);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

export const optionalString = z.string({ error: 'expected a string' }).nullish().transform((v) => v ?? undefined);

export const stringList = z
  .array(nonEmptyString, { error: 'expected an array of non-empty strings' })
  .nullish()
  .transform((v) => v ?? []);

export const seconds = z
  .number({ error: 'expected a number of seconds' })
  .nonnegative({ error: 'expected a number of seconds, 0 or more' })
  .nullish()
  .transform((v) => v ?? undefined);

export const timestamp = z
  .iso.datetime({ offset: true, error: 'expected an RFC 3339 date-time with a time zone, such as 2026-01-01T12:00:00Z' })
  .nullish()
  .transform((v) => (v == null ? undefined : v));

export const jsonObject = { error: 'expected a JSON object' } as const;

/** `.userId`, `.groups[2]`, `."odd key"` (jq's notation); the whole body is `the top level`. */
export function describePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the top level';
  return path
    .map((key) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      return /^[A-Za-z_$][\w$-]*$/.test(name) ? `.${name}` : `.${JSON.stringify(name)}`;
    })
    .join('');
}

/** The first place the value breaks the schema, as `at .path: expectation`. */
export function readAnswer<T>(schema: z.ZodType<T>, value: unknown, prefix: readonly PropertyKey[] = []): Result<T, string> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const where = describePath([...prefix, ...(issue?.path ?? [])]);
  return err(`at ${where}: ${issue?.message ?? 'expected a different value'}`);
}

/** The body as JSON, or what is wrong with it. */
export function parseJson(text: string, contentType: string | null): Result<unknown, string> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    // Only a well-known media type is named: the header is the service's, and could echo what it was sent.
    const known = knownMediaType(contentType);
    const type = known ? ` (${known})` : '';
    return err(text.trim() === '' ? 'at the top level: expected a JSON object, got an empty body' : `at the top level: expected a JSON object, got a body that is not JSON${type}`);
  }
}

/**
 * The groups of an OIDC or introspection answer, from the claim `--auth-groups-claim` names: a member of
 * that exact name, else a dotted path into nested objects (Keycloak's `realm_access.roles`). Claim names
 * that are URLs (Auth0's namespaced claims) contain dots, hence the exact name first.
 */
export function readGroups(claims: Record<string, unknown>, claim: string): Result<string[], string> {
  let value: unknown;
  let path: string[];
  if (Object.hasOwn(claims, claim)) {
    value = claims[claim];
    path = [claim];
  } else {
    path = claim.split('.');
    value = claims;
    for (const key of path) {
      value = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
    }
  }
  // A lone string is one group: some providers send a single-valued claim unwrapped.
  if (typeof value === 'string' && value !== '') return ok([value]);
  return readAnswer(stringList, value, path);
}
