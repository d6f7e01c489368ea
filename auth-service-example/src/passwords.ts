import { hash, verify } from '@node-rs/argon2';

/**
 * Secrets at rest: argon2id hashes (PHC strings, `$argon2id$v=19$m=…`) of passwords and API keys.
 * The cost is OWASP's recommended minimum for argon2id (19 MiB, 2 passes, 1 lane): about 30 ms per
 * hash on a laptop core. Verification reads the cost from the stored hash, so raising it later only
 * affects new hashes.
 */

// @node-rs/argon2's Algorithm is a const enum, which TypeScript cannot inline across packages here.
const ARGON2ID = 2;
const COST = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const HASH_PREFIX = '$argon2id$';

export function hashSecret(secret: string): Promise<string> {
  return hash(secret, { algorithm: ARGON2ID, ...COST });
}

/** False for a wrong secret and for a hash that cannot be read (a broken file must not let anyone in). */
export async function verifySecret(storedHash: string, secret: string): Promise<boolean> {
  try {
    return await verify(storedHash, secret);
  } catch {
    return false;
  }
}

let decoy: Promise<string> | undefined;

/**
 * Spends the time a real verification would, for a name that has no hash: without it, "no such user"
 * answers measurably faster than "wrong password", which tells an attacker which names exist.
 */
export async function verifyNothing(secret: string): Promise<false> {
  decoy ??= hashSecret('a decoy nobody can log in with');
  await verifySecret(await decoy, secret);
  return false;
}
