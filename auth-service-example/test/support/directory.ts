import { generateApiKey } from '../../src/api-keys.ts';
import type { Directory } from '../../src/directory/schema.ts';
import { hashSecret } from '../../src/passwords.ts';

/**
 * The directory most app tests run against, with the plain credentials next to it. Hashing costs about
 * 30 ms each (the real argon2id cost), so a test file builds it once.
 */

export const ALICE_PASSWORD = 'alice-Wonderland-7731';
export const BOB_PASSWORD = 'bob-Builder-4410';

export interface TestDirectory {
  readonly directory: Directory;
  /** The importer service account's API key. */
  readonly importerKey: string;
  /** The auditor service account's API key (allowed scopes: audit:read). */
  readonly auditorKey: string;
}

export async function testDirectory(): Promise<TestDirectory> {
  const importer = generateApiKey();
  const auditor = generateApiKey();
  const [aliceHash, bobHash, importerHash, auditorHash] = await Promise.all([
    hashSecret(ALICE_PASSWORD),
    hashSecret(BOB_PASSWORD),
    hashSecret(importer.key),
    hashSecret(auditor.key),
  ]);
  const createdAt = '2026-01-01T00:00:00Z';
  return {
    directory: {
      users: {
        alice: { displayName: 'Alice Example', email: 'alice@example.com', passwordHash: aliceHash, groups: ['staff', 'finance', 'admin'], scopes: ['forms:read', 'forms:write'] },
        bob: { passwordHash: bobHash, groups: [] },
      },
      serviceAccounts: {
        importer: { groups: ['importers'], keys: [{ id: importer.id, hash: importerHash, createdAt }] },
        auditor: { groups: ['auditors'], scopes: ['audit:read'], keys: [{ id: auditor.id, hash: auditorHash, createdAt }] },
      },
    },
    importerKey: importer.key,
    auditorKey: auditor.key,
  };
}
