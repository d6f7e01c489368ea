import { z } from 'zod';
import { HASH_PREFIX } from '../passwords.ts';
import { err, ok, type Result } from '../result.ts';

/**
 * The directory: who may get a token. Users log in with a password, service accounts with API keys;
 * both are stored as argon2id hashes only. The file is YAML (see users.example.yaml); this schema is the
 * one place that says what a valid file is, for the server and for the CLI that edits it.
 */

/** Names are used in token subjects (`alice`, `service-account:importer`), so no `:` and no spaces. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const NAME_RULE = 'letters, digits, ".", "_", "@" or "-", starting with a letter or digit, at most 64 characters';

/** Formgate gives `*` and `anonymous` a meaning of their own in form access lists; no one may hold them. */
export const RESERVED_GROUPS: ReadonlySet<string> = new Set(['*', 'anonymous']);

export const Name = z.string().regex(NAME_PATTERN, { error: `expected a name of ${NAME_RULE}` });

export const Group = z
  .string({ error: 'expected a group name' })
  .regex(/^[^\s,]{1,128}$/, { error: 'expected a group name without spaces or commas' })
  .refine((g) => !RESERVED_GROUPS.has(g), { error: 'the groups "*" and "anonymous" are reserved by Formgate' });

const Scope = z.string({ error: 'expected a scope' }).regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, { error: 'expected a scope (RFC 6749 §3.3: printable, no spaces, quotes or backslashes)' });

const Argon2idHash = z.string({ error: 'expected an argon2id hash' }).startsWith(HASH_PREFIX, { error: `expected an argon2id hash (starting ${HASH_PREFIX}); make one with the CLI` });

const Timestamp = z.iso.datetime({ offset: true, error: 'expected an RFC 3339 date-time such as 2026-11-24T08:00:00Z' });

const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item, { error: 'expected a list' })
    .nullish()
    .transform((v) => v ?? []);

export const User = z.strictObject(
  {
    displayName: z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' }).optional(),
    email: z.email({ error: 'expected an email address' }).optional(),
    passwordHash: Argon2idHash,
    groups: list(Group),
    /** OAuth scopes the user may be granted; most directories leave this out. */
    scopes: list(Scope).optional(),
    /** A disabled user keeps their entry but cannot log in or refresh a sign-in. */
    disabled: z.boolean({ error: 'expected true or false' }).optional(),
  },
  { error: 'expected a user: passwordHash, groups and optionally displayName, email, scopes, disabled' },
);

export const ApiKeyRecord = z.strictObject(
  {
    id: z.string({ error: 'expected a key id' }).regex(/^[0-9a-f]{8}$/, { error: 'expected 8 hexadecimal digits' }),
    hash: Argon2idHash,
    createdAt: Timestamp,
    /** Set when the key was rotated out: it keeps working until then. */
    expiresAt: Timestamp.optional(),
  },
  { error: 'expected a key: id, hash, createdAt and optionally expiresAt' },
);

export const ServiceAccount = z.strictObject(
  {
    groups: list(Group),
    scopes: list(Scope).optional(),
    keys: list(ApiKeyRecord),
  },
  { error: 'expected a service account: groups and keys' },
);

/**
 * A redirect URI as OAuth clients register it (RFC 6749 §3.1.2): absolute, http or https, no fragment.
 * It is compared as the exact string, so what is written here is what the client must send.
 */
const RedirectUri = z
  .string({ error: 'expected a URI' })
  .refine(isRedirectUri, { error: 'expected an absolute http:// or https:// URI without a fragment, such as http://127.0.0.1:8080/auth/callback' });

export function isRedirectUri(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hash === '' && !value.includes('#') && url.username === '' && url.password === '';
}

/** An OpenID Connect client (a relying party such as Formgate's web client); its name is its client_id. */
export const Client = z.strictObject(
  {
    /** argon2id hashes of its secrets; as with API keys, a rotated-out one carries an expiresAt. */
    secrets: list(ApiKeyRecord),
    redirectUris: z.array(RedirectUri, { error: 'expected a list of URIs' }).min(1, { error: 'expected at least one redirect URI' }),
    postLogoutRedirectUris: list(RedirectUri).optional(),
  },
  { error: 'expected a client: secrets, redirectUris and optionally postLogoutRedirectUris' },
);

const section = <T extends z.ZodType>(entry: T) =>
  z
    .record(Name, entry, {
      // A bad key is reported at the key's own path, so the message is about the name.
      error: (issue) => (issue.code === 'invalid_key' ? `expected a name of ${NAME_RULE}` : 'expected a map from names to entries'),
    })
    .nullish()
    .transform((v) => v ?? {});

export const Directory = z.strictObject(
  {
    users: section(User),
    serviceAccounts: section(ServiceAccount),
    // Optional, so a directory without clients (every one written before they existed) reads as before.
    clients: section(Client).optional(),
  },
  { error: 'expected a map with users, serviceAccounts and optionally clients' },
);

export type User = z.output<typeof User>;
export type ApiKeyRecord = z.output<typeof ApiKeyRecord>;
export type ServiceAccount = z.output<typeof ServiceAccount>;
export type Client = z.output<typeof Client>;
export type Directory = z.output<typeof Directory>;

/** The directory's clients; none when it has no `clients` section. */
export function clientsOf(directory: Directory): Readonly<Record<string, Client>> {
  return directory.clients ?? {};
}

export const EMPTY_DIRECTORY: Directory = Object.freeze({ users: {}, serviceAccounts: {} });

/** The directory, or the first field at fault as `at users.alice.groups[0]: expected a group name`. */
export function parseDirectory(value: unknown): Result<Directory, string> {
  // An empty file is an empty directory.
  const parsed = Directory.safeParse(value ?? {});
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  return err(`at ${describePath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`);
}

/** `users.alice.groups[0]`; the whole file is `the top level`. */
export function describePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the top level';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}
