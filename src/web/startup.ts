import { readFile } from 'node:fs/promises';
import { keysFromSecrets, processKeys } from './keys.ts';
import type { SealKeys } from './seal.ts';

/** Where the process found the web client's secrets (the same shapes as the configuration's). */
export type SecretInput = { readonly kind: 'value'; readonly value: string } | { readonly kind: 'file'; readonly path: string };
export type SessionSecretsInput = { readonly kind: 'values'; readonly values: readonly string[] } | { readonly kind: 'file'; readonly path: string } | null;

export const MIN_SECRET_CHARS = 32;

/** The session keys, or one line saying what is wrong with the secrets file; `random` without any secret. */
export async function loadSessionKeys(input: SessionSecretsInput): Promise<{ ok: true; keys: SealKeys; random: boolean } | { ok: false; message: string }> {
  if (input === null) return { ok: true, keys: processKeys(), random: true };
  if (input.kind === 'values') return { ok: true, keys: keysFromSecrets(input.values), random: false };
  let text: string;
  try {
    text = await readFile(input.path, 'utf8');
  } catch (e) {
    return { ok: false, message: `cannot read --ui-session-secret-file ${input.path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}` };
  }
  const secrets = secretLines(text);
  if (secrets.length === 0 || secrets.some((s) => s.length < MIN_SECRET_CHARS)) {
    return { ok: false, message: `--ui-session-secret-file ${input.path}: put one secret of at least ${MIN_SECRET_CHARS} characters per line (the first seals), e.g. from \`openssl rand -base64 32\`` };
  }
  return { ok: true, keys: keysFromSecrets(secrets), random: false };
}

/** One secret per line; blank lines and lines starting with `#` are skipped. */
export function secretLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The client secret, read each time it is needed when it comes from a file (rotation without restart). */
export function secretReader(input: SecretInput): () => Promise<string> {
  if (input.kind === 'value') return async () => input.value;
  return async () => (await readFile(input.path, 'utf8')).trim();
}
