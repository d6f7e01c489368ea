import { generateKeyPairSync } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey } from '../src/keys.ts';
import { tempDir } from './support/temp.ts';

/** The signing key file: made once with mode 0600, reused after, and never silently replaced. */

describe('loadOrCreateSigningKey', () => {
  it('creates the file (and its directories) with mode 0600, then reuses it', async () => {
    const path = join(await tempDir(), 'secrets', 'keys', 'signing-key.json');
    const first = await loadOrCreateSigningKey(path);
    if (!first.ok) throw new Error(first.error.message);
    expect(first.value.created).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const { key } = first.value;
    expect(key.publicJwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: key.kid, alg: 'EdDSA', use: 'sig' });
    expect(key.kid).toBe(await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: key.publicJwk.x }));
    // The private part stays in the file and out of what is published.
    expect(JSON.parse(await readFile(path, 'utf8'))).toHaveProperty('d');
    expect(key.publicJwk).not.toHaveProperty('d');

    const again = await loadOrCreateSigningKey(path);
    if (!again.ok) throw new Error(again.error.message);
    expect(again.value.created).toBe(false);
    expect(again.value.key.kid).toBe(key.kid);
  });

  it('lets two starts racing for a missing file end up with the same key', async () => {
    const path = join(await tempDir(), 'signing-key.json');
    const results = await Promise.all([loadOrCreateSigningKey(path), loadOrCreateSigningKey(path), loadOrCreateSigningKey(path)]);
    const kids = results.map((r) => (r.ok ? r.value.key.kid : r.error.message));
    expect(new Set(kids).size).toBe(1);
    expect(results.filter((r) => r.ok && r.value.created)).toHaveLength(1);
  });

  it.each([
    ['not JSON', 'not json at all', 'not JSON'],
    ['another kind of key', JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }), 'expected an Ed25519 private JWK; at kty'],
    ['a public key only', JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'abc' }), 'at d'],
  ])('refuses %s and leaves the file alone', async (_what, content, reason) => {
    const path = join(await tempDir(), 'signing-key.json');
    await writeFile(path, content);
    const result = await loadOrCreateSigningKey(path);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.kind).toBe('corrupt');
    expect(!result.ok && result.error.message).toContain(`the signing key file ${path} is not usable (`);
    expect(!result.ok && result.error.message).toContain(reason);
    expect(await readFile(path, 'utf8')).toBe(content);
  });

  it('refuses a file whose public part belongs to another key', async () => {
    const path = join(await tempDir(), 'signing-key.json');
    const mine = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    await writeFile(path, JSON.stringify({ ...mine, x: other.x }));
    const result = await loadOrCreateSigningKey(path);
    expect(!result.ok && result.error.message).toContain('"x" does not belong to its private part "d"');
  });
});
