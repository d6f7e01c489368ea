import { resolveUsersPath } from '../config.ts';
import { userTaken, withoutExpiredKeys, withUser } from '../directory/edits.ts';
import { editDirectoryFile, readDirectoryFile } from '../directory/file.ts';
import type { User } from '../directory/schema.ts';
import { hashSecret } from '../passwords.ts';
import { ok, type Result } from '../result.ts';
import { checkEmail, checkName, parseGroups } from './arguments.ts';
import { fromConfigError, fromDirectoryError, usage, type CommandFailure } from './failure.ts';
import { checkPassword, passwordFromStdin, passwordFromTerminal } from './password-input.ts';

export interface AddUserArgs {
  readonly flags: Record<string, unknown>;
  readonly env: Record<string, string | undefined>;
  readonly name: string;
  readonly groups: string;
  readonly displayName?: string;
  readonly email?: string;
  readonly passwordStdin: boolean;
  readonly force: boolean;
}

/** `users add NAME --groups a,b`: stores the user with an argon2id hash of the password, never the password. */
export async function addUser(args: AddUserArgs, now: () => number = Date.now): Promise<Result<string, CommandFailure>> {
  const path = resolveUsersPath(args);
  if (!path.ok) return fromConfigError(path.error);
  const name = checkName(args.name, 'the user name');
  if (!name.ok) return usage(name.error);
  const groups = parseGroups(args.groups);
  if (!groups.ok) return usage(groups.error);
  const email = args.email === undefined ? undefined : checkEmail(args.email);
  if (email !== undefined && !email.ok) return usage(email.error);
  if (args.displayName !== undefined && args.displayName.trim() === '') return usage('--display-name: expected a non-empty name');

  // Refuse a taken name before asking for a password that would be thrown away.
  const existing = await readDirectoryFile(path.value);
  if (existing.ok && !args.force && Object.hasOwn(existing.value.users, name.value)) return usage(userTaken(name.value));

  const password = await readPassword(args.passwordStdin);
  if (!password.ok) return password;

  const user: User = {
    ...(args.displayName === undefined ? {} : { displayName: args.displayName.trim() }),
    ...(email === undefined ? {} : { email: email.value }),
    passwordHash: await hashSecret(password.value),
    groups: groups.value,
  };
  const edited = await editDirectoryFile(path.value, async (directory) => {
    const next = withUser(withoutExpiredKeys(directory, now()), name.value, user, { replace: args.force });
    return next.ok ? ok({ directory: next.value, value: Object.hasOwn(directory.users, name.value) }) : next;
  });
  if (!edited.ok) return fromDirectoryError(edited.error);
  const groupList = groups.value.length === 0 ? 'no groups' : `groups ${groups.value.join(', ')}`;
  return ok(`${edited.value ? 'replaced' : 'added'} user ${name.value} (${groupList}) in ${path.value}`);
}

async function readPassword(fromStdin: boolean): Promise<Result<string, CommandFailure>> {
  if (fromStdin) {
    const checked = checkPassword(await passwordFromStdin());
    return checked.ok ? checked : usage(`--password-stdin: ${checked.error}`);
  }
  if (!process.stdin.isTTY) return usage('no terminal to ask for the password on: pipe it in with --password-stdin');
  const typed = await passwordFromTerminal();
  if (!typed.ok) return usage(typed.error);
  const checked = checkPassword(typed.value);
  return checked.ok ? checked : usage(checked.error);
}
