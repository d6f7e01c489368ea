import { z } from 'zod';
import { Group, Name, NAME_RULE } from '../directory/schema.ts';
import { err, ok, type Result } from '../result.ts';
import { DURATION_FORMAT, parseDuration } from '../duration.ts';

/** Checks of what people type on the command line, with messages that name the argument. */

export function checkName(name: string, what: string): Result<string, string> {
  return Name.safeParse(name).success ? ok(name) : err(`${what} ${JSON.stringify(name.slice(0, 80))} is not a valid name: use ${NAME_RULE}`);
}

/** `--groups a,b`: a comma-separated list; an empty value means no groups. */
export function parseGroups(value: string): Result<string[], string> {
  const groups = [...new Set(value.split(',').map((g) => g.trim()).filter((g) => g !== ''))];
  for (const group of groups) {
    const checked = Group.safeParse(group);
    if (!checked.success) return err(`--groups: ${JSON.stringify(group.slice(0, 80))}: ${checked.error.issues[0]?.message ?? 'not a valid group'}`);
  }
  return ok(groups);
}

export function checkEmail(value: string): Result<string, string> {
  return z.email().safeParse(value).success ? ok(value) : err(`--email: ${JSON.stringify(value.slice(0, 80))} is not an email address`);
}

const MAX_GRACE_S = 365 * 86_400;

/** `--grace DURATION` of a rotation: how long the older secrets keep working, in seconds (0 = at once). */
export function parseGrace(value: string): Result<number, string> {
  const grace = parseDuration(value);
  if (!grace.ok || grace.value > MAX_GRACE_S) return err(`--grace: expected ${DURATION_FORMAT} (0 = at once), at most 365d, got ${JSON.stringify(value.slice(0, 40))}`);
  return ok(grace.value);
}
