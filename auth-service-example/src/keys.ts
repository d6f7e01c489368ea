import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { z } from 'zod';
import { err, ok, type Result } from './result.ts';

/**
 * The signing key: one Ed25519 key pair kept as a private JWK in a file. It is made on first use and
 * reused afterwards, so tokens survive a restart. A file that is not a usable key stops startup instead
 * of being replaced: replacing it would silently invalidate every token signed with it.
 */

export const SIGNING_ALGORITHM = 'EdDSA';

/** What /.well-known/jwks.json publishes. */
export interface PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
  readonly kid: string;
  readonly alg: typeof SIGNING_ALGORITHM;
  readonly use: 'sig';
}

export interface SigningKey {
  /** The RFC 7638 thumbprint of the public key: stable for the key, different for any other. */
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: PublicJwk;
}

export interface KeyFileError {
  /** `corrupt`: the file exists but holds no usable key (a usage mistake); `io`: it cannot be read or written. */
  readonly kind: 'corrupt' | 'io';
  readonly message: string;
}

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'expected base64url' });

const PrivateJwk = z.looseObject({
  kty: z.literal('OKP', { error: 'expected "OKP"' }),
  crv: z.literal('Ed25519', { error: 'expected "Ed25519"' }),
  x: base64url,
  d: base64url,
});

/** Loads the key at `path`, or creates it there (mode 0600, parent directories included) if there is none. */
export async function loadOrCreateSigningKey(path: string): Promise<Result<{ key: SigningKey; created: boolean }, KeyFileError>> {
  const existing = await readKeyFile(path);
  if (existing.ok) return ok({ key: existing.value, created: false });
  const problem = existing.error;
  if (problem.kind !== 'missing') return err(problem);
  return createKeyFile(path);
}

type ReadError = KeyFileError | { readonly kind: 'missing' };

async function readKeyFile(path: string): Promise<Result<SigningKey, ReadError>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return err({ kind: 'missing' });
    return err({ kind: 'io', message: `cannot read the signing key file ${path}: ${(e as Error).message}` });
  }
  const corrupt = (why: string): Result<never, KeyFileError> =>
    err({
      kind: 'corrupt',
      message: `the signing key file ${path} is not usable (${why}); restore it from a backup, or move it away to have a new key made (tokens signed with the old one then stop working)`,
    });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return corrupt('not JSON');
  }
  const parsed = PrivateJwk.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return corrupt(`expected an Ed25519 private JWK; at ${issue?.path.join('.') || 'the top level'}: ${issue?.message ?? 'invalid'}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: parsed.data.x, d: parsed.data.d }, format: 'jwk' });
  } catch {
    return corrupt('the key material does not import');
  }
  const publicKey = createPublicKey(privateKey);
  // A hand-edited file could pair one key's `x` with another's `d`: tokens would then never verify.
  if (publicKey.export({ format: 'jwk' }).x !== parsed.data.x) return corrupt('its public part "x" does not belong to its private part "d"');
  return ok(await signingKeyOf(privateKey, publicKey));
}

async function signingKeyOf(privateKey: KeyObject, publicKey: KeyObject): Promise<SigningKey> {
  const { x } = publicKey.export({ format: 'jwk' });
  if (x === undefined) throw new Error('an Ed25519 public key exported without x');
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x });
  return { kid, privateKey, publicKey, publicJwk: { kty: 'OKP', crv: 'Ed25519', x, kid, alg: SIGNING_ALGORITHM, use: 'sig' } };
}

/**
 * Writes a new key to a temporary file (mode 0600) and hard-links it into place, which fails if the
 * file appeared meanwhile: two processes starting at once end up sharing one key, and no reader ever
 * sees a half-written file.
 */
async function createKeyFile(path: string): Promise<Result<{ key: SigningKey; created: boolean }, KeyFileError>> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(temporary, `${JSON.stringify({ ...jwk, alg: SIGNING_ALGORITHM, use: 'sig' }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await link(temporary, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      const theirs = await readKeyFile(path);
      return theirs.ok ? ok({ key: theirs.value, created: false }) : err(theirs.error.kind === 'missing' ? ioError(path, e) : theirs.error);
    }
    return err(ioError(path, e));
  } finally {
    await unlink(temporary).catch(() => {});
  }
  return ok({ key: await signingKeyOf(privateKey, publicKey), created: true });
}

function ioError(path: string, e: unknown): KeyFileError {
  return { kind: 'io', message: `cannot create the signing key file ${path}: ${(e as Error).message}` };
}
