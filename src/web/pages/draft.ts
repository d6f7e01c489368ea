/**
 * What a person typed, kept across a sign-in: when the API answers 401 to their POST (the session ended and
 * could not be refreshed), their values go into a sealed, short-lived cookie of the pages' own, and the form
 * page they come back to shows them again once. Bounded, because a cookie is sent with every request.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { WebEnv } from '../env.ts';
import type { FormValues } from '../fields/form-values.ts';
import { seal, unseal, type SealKeys } from '../seal.ts';
import { err, ok, type Result } from '../../result.ts';

export const DRAFT_COOKIE = 'formgate_draft';
export const DRAFT_MAX_AGE_S = 15 * 60;
/** The sealed value's bound: browsers keep about 4 KB per cookie, and the session cookie needs its room. */
export const DRAFT_MAX_SEALED_CHARS = 3 * 1024;
// Only the form pages read it, so it goes nowhere else.
const COOKIE_PATH = '/forms/';

export interface Draft {
  /** The page the values belong to (a fill-in or edit page); any other page ignores the draft. */
  readonly page: string;
  readonly values: FormValues;
  /** For an edit: the version they had read, so their save still checks it. */
  readonly version?: number;
}

const draftSchema = z.object({
  page: z.string(),
  values: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  version: z.number().int().optional(),
});

export async function sealDraft(draft: Draft, keys: SealKeys): Promise<Result<string, 'too-large'>> {
  const sealed = await seal(draft, keys, DRAFT_MAX_AGE_S);
  return sealed.length > DRAFT_MAX_SEALED_CHARS ? err('too-large') : ok(sealed);
}

/** The draft for `page`, or undefined: none, another page's, expired, or sealed with a key no longer held. */
export async function openDraft(sealed: string | undefined, keys: SealKeys, page: string): Promise<Draft | undefined> {
  if (sealed === undefined || sealed.length > DRAFT_MAX_SEALED_CHARS) return undefined;
  const parsed = draftSchema.safeParse(await unseal(sealed, keys));
  if (!parsed.success || parsed.data.page !== page) return undefined;
  return parsed.data;
}

const secure = (c: Context<WebEnv>): boolean => new URL(c.req.url).protocol === 'https:';

export function keepDraft(c: Context<WebEnv>, sealed: string): void {
  setCookie(c, DRAFT_COOKIE, sealed, { path: COOKIE_PATH, httpOnly: true, sameSite: 'Lax', secure: secure(c), maxAge: DRAFT_MAX_AGE_S });
}

/** This page's draft, taken: read once and cleared, so a reload shows the form as it is stored. */
export async function takeDraft(c: Context<WebEnv>, page: string): Promise<Draft | undefined> {
  const sealed = getCookie(c, DRAFT_COOKIE);
  const draft = await openDraft(sealed, c.get('sealKeys'), page);
  if (draft !== undefined) deleteCookie(c, DRAFT_COOKIE, { path: COOKIE_PATH, secure: secure(c), httpOnly: true, sameSite: 'Lax' });
  return draft;
}
