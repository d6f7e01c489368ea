import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { isoSeconds, withoutExpiredKeys, withRotatedKey, withUser } from '../src/directory/edits.ts';
import { editDirectoryFile, readDirectoryFile } from '../src/directory/file.ts';
import { fileVersion, liveDirectory } from '../src/directory/live.ts';
import { EMPTY_DIRECTORY, parseDirectory, type Directory } from '../src/directory/schema.ts';
import { verifySecret } from '../src/passwords.ts';
import { ok } from '../src/result.ts';
import { tempDir } from './support/temp.ts';

/** The directory file: what a valid one is, how the CLI changes it, and how the server follows it. */

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
const EXAMPLE = fileURLToPath(new URL('../users.example.yaml', import.meta.url));

describe('parseDirectory', () => {
  it('accepts the shipped example, whose credentials are the documented ones', async () => {
    const example = await readDirectoryFile(EXAMPLE);
    if (!example.ok) throw new Error(example.error.message);
    const { users, serviceAccounts } = example.value;
    expect(Object.keys(users)).toEqual(['alice', 'bob']);
    expect(users.alice).toMatchObject({ displayName: 'Alice Example', groups: ['staff', 'finance', 'admin'] });
    expect(users.bob!.groups).toEqual([]);
    expect(serviceAccounts.importer!.groups).toEqual(['importers']);
    expect(await verifySecret(users.alice!.passwordHash, 'alice-password')).toBe(true);
    expect(await verifySecret(users.bob!.passwordHash, 'bob-password')).toBe(true);
    // The README's development key (its plain value is documented there).
    const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const key = /fgsa_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/.exec(readme)?.[0];
    expect(key).toBeDefined();
    expect(await verifySecret(serviceAccounts.importer!.keys[0]!.hash, key!)).toBe(true);
  });

  it('treats an empty file and empty sections as an empty directory', () => {
    expect(parseDirectory(null)).toEqual(ok(EMPTY_DIRECTORY));
    expect(parseDirectory({ users: null, serviceAccounts: null })).toEqual(ok(EMPTY_DIRECTORY));
  });

  it.each([
    [{ user: {} }, 'at the top level: expected a map with users, serviceAccounts and optionally clients'],
    [{ users: { alice: { groups: ['a'] } } }, 'at users.alice.passwordHash: expected an argon2id hash'],
    [{ users: { alice: { passwordHash: 'hunter2' } } }, 'at users.alice.passwordHash: expected an argon2id hash (starting $argon2id$); make one with the CLI'],
    [{ users: { alice: { passwordHash: HASH, groups: ['ok', 'has space'] } } }, 'at users.alice.groups[1]: expected a group name without spaces or commas'],
    [{ users: { alice: { passwordHash: HASH, groups: ['anonymous'] } } }, 'at users.alice.groups[0]: the groups "*" and "anonymous" are reserved by Formgate'],
    [{ users: { alice: { passwordHash: HASH, passwordhash: 'typo' } } }, 'at users.alice: expected a user'],
    [{ users: { alice: { passwordHash: HASH, email: 'not-an-email' } } }, 'at users.alice.email: expected an email address'],
    [{ users: { 'bad name': { passwordHash: HASH } } }, 'at users.bad name: expected a name of'],
    [{ serviceAccounts: { importer: { keys: [{ id: 'zz', hash: HASH, createdAt: '2026-01-01T00:00:00Z' }] } } }, 'at serviceAccounts.importer.keys[0].id: expected 8 hexadecimal digits'],
    [{ serviceAccounts: { importer: { keys: [{ id: '0123abcd', hash: HASH, createdAt: 'yesterday' }] } } }, 'at serviceAccounts.importer.keys[0].createdAt: expected an RFC 3339 date-time'],
    [{ clients: { web: { secrets: [], redirectUris: [] } } }, 'at clients.web.redirectUris: expected at least one redirect URI'],
    [{ clients: { web: { redirectUris: ['http://127.0.0.1/cb#frag'] } } }, 'at clients.web.redirectUris[0]: expected an absolute http:// or https:// URI without a fragment'],
    [{ clients: { web: { redirectUris: ['/relative'] } } }, 'at clients.web.redirectUris[0]: expected an absolute'],
    [{ clients: { web: { redirectUris: ['http://127.0.0.1/cb'], secrets: [{ id: '0123abcd', hash: 'plain' }] } } }, 'at clients.web.secrets[0]'],
  ])('names the field at fault: %j', (value, message) => {
    const parsed = parseDirectory(value);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain(message);
  });
});

describe('editDirectoryFile', () => {
  it('creates a missing file (and its directory) with mode 0600', async () => {
    const path = join(await tempDir(), 'nested', 'users.yaml');
    const result = await editDirectoryFile(path, async (d) => {
      const next = withUser(d, 'alice', { passwordHash: HASH, groups: ['staff'] }, { replace: false });
      return next.ok ? ok({ directory: next.value, value: 'done' }) : next;
    });
    expect(result).toEqual(ok('done'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readDirectoryFile(path)).toEqual(ok({ users: { alice: { passwordHash: HASH, groups: ['staff'] } }, serviceAccounts: {} }));
  });

  it('keeps the comments and entries it did not touch', async () => {
    const path = join(await tempDir(), 'users.yaml');
    const original = ['# Who may log in.', 'users:', '  # the boss', '  alice:', `    passwordHash: ${HASH}`, '    groups: [admin] # keep this', 'serviceAccounts: {}', ''].join('\n');
    await writeFile(path, original);
    const result = await editDirectoryFile(path, async (d) => {
      const next = withUser(d, 'bob', { passwordHash: HASH, groups: [] }, { replace: false });
      return next.ok ? ok({ directory: next.value, value: undefined }) : next;
    });
    expect(result.ok).toBe(true);
    const text = await readFile(path, 'utf8');
    expect(text).toContain('# Who may log in.');
    expect(text).toContain('# the boss');
    expect(text).toContain('groups: [ admin ] # keep this');
    expect(text).toMatch(/\n {2}bob:\n/);
  });

  it('refuses to replace a user unless asked to, and leaves the file as it was', async () => {
    const path = join(await tempDir(), 'users.yaml');
    const original = `users:\n  alice:\n    passwordHash: ${HASH}\n`;
    await writeFile(path, original);
    const result = await editDirectoryFile(path, async (d) => {
      const next = withUser(d, 'alice', { passwordHash: HASH, groups: ['x'] }, { replace: false });
      return next.ok ? ok({ directory: next.value, value: undefined }) : next;
    });
    expect(result).toEqual({ ok: false, error: { kind: 'refused', message: 'a user named alice already exists; pass --force to replace it' } });
    expect(await readFile(path, 'utf8')).toBe(original);
  });

  it('does not touch an invalid file, and says where it is wrong', async () => {
    const path = join(await tempDir(), 'users.yaml');
    await writeFile(path, 'users:\n  alice: [\n');
    const result = await editDirectoryFile(path, async (d) => ok({ directory: d, value: undefined }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({ kind: 'invalid' });
    expect(!result.ok && result.error.message).toMatch(new RegExp(`^the users file ${path} is not valid YAML at line \\d+, column \\d+`));
  });
});

describe('key rotation edits', () => {
  const directory: Directory = {
    users: {},
    serviceAccounts: {
      importer: {
        groups: [],
        keys: [
          { id: '00000001', hash: HASH, createdAt: '2026-01-01T00:00:00Z', expiresAt: '2026-01-01T00:10:00Z' },
          { id: '00000002', hash: HASH, createdAt: '2026-01-01T00:00:00Z' },
        ],
      },
    },
  };
  const now = Date.parse('2026-01-01T00:05:00Z');
  const added = { id: '00000003', hash: HASH, createdAt: isoSeconds(now) };

  it('gives every older key the grace period, but never extends a key that expires sooner', () => {
    const rotated = withRotatedKey(directory, 'importer', added, 3600, now);
    if (!rotated.ok) throw new Error(rotated.error);
    expect(rotated.value.serviceAccounts.importer!.keys.map((k) => [k.id, k.expiresAt])).toEqual([
      ['00000001', '2026-01-01T00:10:00Z'],
      ['00000002', '2026-01-01T01:05:00Z'],
      ['00000003', undefined],
    ]);
  });

  it('rounds the new deadline up to the whole second, so no key loses any of its grace', () => {
    const rotated = withRotatedKey(directory, 'importer', added, 3600, now + 300);
    if (!rotated.ok) throw new Error(rotated.error);
    expect(rotated.value.serviceAccounts.importer!.keys.map((k) => k.expiresAt)).toEqual(['2026-01-01T00:10:00Z', '2026-01-01T01:05:01Z', undefined]);
    // A key due within the same second as the new deadline keeps its own date.
    const soon = withRotatedKey(directory, 'importer', added, 299.5, now);
    if (!soon.ok) throw new Error(soon.error);
    expect(soon.value.serviceAccounts.importer!.keys.map((k) => k.expiresAt)).toEqual(['2026-01-01T00:10:00Z', '2026-01-01T00:10:00Z', undefined]);
  });

  it('prunes keys whose time has come, and only those', () => {
    expect(withoutExpiredKeys(directory, Date.parse('2026-01-01T00:09:59Z')).serviceAccounts.importer!.keys).toHaveLength(2);
    expect(withoutExpiredKeys(directory, Date.parse('2026-01-01T00:10:00Z')).serviceAccounts.importer!.keys.map((k) => k.id)).toEqual(['00000002']);
  });
});

describe('liveDirectory', () => {
  it('follows the file: a change is seen at the next request, a broken file keeps the last good one and says so', async () => {
    const path = join(await tempDir(), 'users.yaml');
    const v1 = `users:\n  alice:\n    passwordHash: ${HASH}\n    groups: [one]\n`;
    await writeFile(path, v1);
    const initial = await readDirectoryFile(path);
    if (!initial.ok) throw new Error(initial.error.message);
    const version = await fileVersion(path);
    const logged: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
    const live = liveDirectory(path, initial.value, version.ok ? version.value : '', logger);

    expect((await live.current()).users.alice!.groups).toEqual(['one']);

    // An edit in place, as an editor would save it (same inode, so the size and mtime must tell).
    await writeFile(path, v1.replace('[one]', '[one, two]'));
    expect((await live.current()).users.alice!.groups).toEqual(['one', 'two']);
    expect(await live.health()).toEqual({ ok: true });

    await writeFile(path, 'users:\n  alice:\n    groups: oops\n');
    expect((await live.current()).users.alice!.groups).toEqual(['one', 'two']);
    const health = await live.health();
    expect(health.ok).toBe(false);
    expect(health.problem).toContain(`the users file ${path} is not valid: at users.alice`);
    // Reported once, however many requests look.
    await live.current();
    expect(logged.filter((l) => l.msg === 'users file unusable; still serving the last good version')).toHaveLength(1);

    await writeFile(path, v1);
    expect((await live.current()).users.alice!.groups).toEqual(['one']);
    expect(await live.health()).toEqual({ ok: true });
  });
});
