import { beforeAll, describe, expect, it } from 'vitest';
import { apiKeyId } from '../src/api-keys.ts';
import { authenticateServiceAccount } from '../src/credentials.ts';
import type { Directory } from '../src/directory/schema.ts';
import { verifiedKeys } from '../src/verified-keys.ts';
import { START_MS } from './support/app.ts';
import { testDirectory, type TestDirectory } from './support/directory.ts';

/** Remembered argon2 successes for service account keys: what they let through, and what never. */

describe('verifiedKeys', () => {
  it('knows a key only for the hash it matched, and only until the TTL is over', () => {
    const keys = verifiedKeys({ ttlMs: 1_000 });
    keys.add('hash-a', 'key-1', 0);
    expect(keys.has('hash-a', 'key-1', 999)).toBe(true);
    expect(keys.has('hash-a', 'key-2', 999)).toBe(false);
    expect(keys.has('hash-b', 'key-1', 999)).toBe(false);
    expect(keys.has('hash-a', 'key-1', 1_000)).toBe(false);
    // Expired entries are gone, not just hidden.
    expect(keys.has('hash-a', 'key-1', 0)).toBe(false);
  });

  it('holds at most maxEntries, forgetting the oldest first', () => {
    const keys = verifiedKeys({ maxEntries: 2 });
    keys.add('a', 'key-a', 0);
    keys.add('b', 'key-b', 0);
    keys.add('c', 'key-c', 0);
    expect([keys.has('a', 'key-a', 1), keys.has('b', 'key-b', 1), keys.has('c', 'key-c', 1)]).toEqual([false, true, true]);
  });
});

describe('authenticateServiceAccount with remembered keys', () => {
  let test: TestDirectory;
  beforeAll(async () => {
    test = await testDirectory();
  });

  const importerHash = (directory: Directory) => directory.serviceAccounts.importer!.keys[0]!.hash;

  it('remembers a key after its argon2 check, and takes it from memory the next time', async () => {
    const keys = verifiedKeys();
    expect(await authenticateServiceAccount(test.directory, 'importer', test.importerKey, START_MS, keys)).toMatchObject({ subject: 'service-account:importer' });
    expect(keys.has(importerHash(test.directory), test.importerKey, START_MS)).toBe(true);

    // Proof that no argon2 check ran: a remembered key that does not match the hash still gets in.
    const planted = `fgsa_${apiKeyId(test.importerKey)}_${"x".repeat(43)}`;
    expect(await authenticateServiceAccount(test.directory, 'importer', planted, START_MS, keys)).toBeUndefined();
    keys.add(importerHash(test.directory), planted, START_MS);
    expect(await authenticateServiceAccount(test.directory, 'importer', planted, START_MS, keys)).toMatchObject({ subject: 'service-account:importer' });
  });

  it('never lets a wrong key in because a right one was remembered', async () => {
    const keys = verifiedKeys();
    await authenticateServiceAccount(test.directory, 'importer', test.importerKey, START_MS, keys);
    const wrong = test.importerKey.slice(0, -4) + (test.importerKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await authenticateServiceAccount(test.directory, 'importer', wrong, START_MS, keys)).toBeUndefined();
    expect(keys.has(importerHash(test.directory), wrong, START_MS)).toBe(false);
  });

  it('refuses a remembered key once it has expired in the directory (rotated out)', async () => {
    const keys = verifiedKeys();
    await authenticateServiceAccount(test.directory, 'importer', test.importerKey, START_MS, keys);
    const account = test.directory.serviceAccounts.importer!;
    const rotated: Directory = {
      ...test.directory,
      serviceAccounts: { ...test.directory.serviceAccounts, importer: { ...account, keys: [{ ...account.keys[0]!, expiresAt: new Date(START_MS).toISOString() }] } },
    };
    expect(await authenticateServiceAccount(rotated, 'importer', test.importerKey, START_MS, keys)).toBeUndefined();
    // And a key removed from the directory has no record to match.
    const removed: Directory = { ...test.directory, serviceAccounts: { ...test.directory.serviceAccounts, importer: { ...account, keys: [] } } };
    expect(await authenticateServiceAccount(removed, 'importer', test.importerKey, START_MS, keys)).toBeUndefined();
  });
});
