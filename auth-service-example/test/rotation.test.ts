import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createServiceAccount, rotateServiceAccount } from '../src/commands/service-accounts.ts';
import { readDirectoryFile } from '../src/directory/file.ts';
import { fileVersion, liveDirectory } from '../src/directory/live.ts';
import { basic, form, START_MS, startService, testClock, type TestService } from './support/app.ts';
import { tempDir } from './support/temp.ts';

/**
 * Rotating a service account's API key with a grace period, through the same functions the CLI runs,
 * against a service that follows the file, all on one clock the test moves.
 */

async function clientCredentialsStatus(service: TestService, key: string): Promise<number> {
  const init = form({ grant_type: 'client_credentials' });
  const response = await service.fetch('/token', { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic('importer', key) } });
  await response.body?.cancel();
  return response.status;
}

describe('service-accounts rotate', () => {
  it('keeps the old key working through the grace period and stops it after; a later write prunes it', async () => {
    const dir = await tempDir();
    const path = join(dir, 'users.yaml');
    // 400 ms past a second: the grace period must not lose them to the file's whole-second dates.
    const clock = testClock(START_MS + 400);
    const args = { flags: { users: path }, env: {}, name: 'importer' };

    const created = await createServiceAccount({ ...args, groups: 'importers' }, clock.now);
    if (!created.ok) throw new Error(created.error.message);
    const first = created.value.key;

    const loaded = await readDirectoryFile(path);
    if (!loaded.ok) throw new Error(loaded.error.message);
    const version = await fileVersion(path);
    const directory = liveDirectory(path, loaded.value, version.ok ? version.value : '', pino({ level: 'silent' }));
    const service = await startService({ directory, clock });
    expect(await clientCredentialsStatus(service, first)).toBe(200);

    clock.advance(60);
    const rotated = await rotateServiceAccount({ ...args, grace: '1h' }, clock.now);
    if (!rotated.ok) throw new Error(rotated.error.message);
    const second = rotated.value.key;
    expect(rotated.value.note).toContain('keep working until');

    // Inside the grace period both keys work.
    expect(await clientCredentialsStatus(service, second)).toBe(200);
    expect(await clientCredentialsStatus(service, first)).toBe(200);
    clock.advance(3600 - 0.1);
    expect(await clientCredentialsStatus(service, first)).toBe(200);

    // After it (within the second it ends in), only the new one.
    clock.advance(1.1);
    expect(await clientCredentialsStatus(service, first)).toBe(401);
    expect(await clientCredentialsStatus(service, second)).toBe(200);
    // The old key no longer authenticates an introspection caller either.
    const introspect = await service.fetch('/introspect', { ...form({ token: 'x' }), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('importer', first) } });
    expect(introspect.status).toBe(401);

    // The next write prunes the expired key; a grace of 0 retires the second at once.
    const again = await rotateServiceAccount({ ...args, grace: '0' }, clock.now);
    if (!again.ok) throw new Error(again.error.message);
    expect(again.value.note).toContain('stopped working now');
    const file = parse(await readFile(path, 'utf8')) as { serviceAccounts: { importer: { keys: { id: string }[] } } };
    expect(file.serviceAccounts.importer.keys.map((k) => k.id)).toEqual([again.value.key.slice(5, 13)]);
    expect(await clientCredentialsStatus(service, second)).toBe(401);
    expect(await clientCredentialsStatus(service, again.value.key)).toBe(200);
  });

  it('refuses an unknown account and a malformed grace period, leaving the file alone', async () => {
    const dir = await tempDir();
    const path = join(dir, 'users.yaml');
    const created = await createServiceAccount({ flags: { users: path }, env: {}, name: 'importer', groups: 'importers' });
    if (!created.ok) throw new Error(created.error.message);
    const before = await readFile(path, 'utf8');

    const unknown = await rotateServiceAccount({ flags: { users: path }, env: {}, name: 'exporter', grace: '1h' });
    expect(unknown).toMatchObject({ ok: false, error: { exitCode: 2 } });
    expect(!unknown.ok && unknown.error.message).toContain('no service account named exporter');

    const badGrace = await rotateServiceAccount({ flags: { users: path }, env: {}, name: 'importer', grace: 'an hour' });
    expect(badGrace).toMatchObject({ ok: false, error: { exitCode: 2 } });
    expect(!badGrace.ok && badGrace.error.message).toMatch(/^--grace: /);

    expect(await readFile(path, 'utf8')).toBe(before);
  });
});
