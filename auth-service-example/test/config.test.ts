import { describe, expect, it } from 'vitest';
import { resolveServeConfig, resolveTokenCommandConfig, resolveUsersPath } from '../src/config.ts';
import { formatDuration, parseDuration } from '../src/duration.ts';
import { err, ok } from '../src/result.ts';

/** Flags + environment → configuration: defaults, precedence, and one-line errors that name the flag. */

const resolve = (flags: Record<string, unknown> = {}, env: Record<string, string | undefined> = {}) => resolveServeConfig({ flags, env });

describe('resolveServeConfig', () => {
  it('has the documented defaults, and no issuer until the address is known', () => {
    expect(resolve()).toEqual(ok({ port: 9000, host: '127.0.0.1', usersPath: '.formgate/auth/users.yaml', keyFile: '.formgate/auth/signing-key.json', tokenTtlS: 900, refreshTtlS: 28_800, logLevel: 'info' }));
  });

  it('takes every flag from its AUTH_* twin, and a flag over its twin', () => {
    const env = {
      AUTH_PORT: '9100',
      AUTH_HOST: '0.0.0.0',
      AUTH_USERS: '/etc/auth/users.yaml',
      AUTH_KEY_FILE: '/var/lib/auth/key.json',
      AUTH_TOKEN_TTL: '2h',
      AUTH_REFRESH_TTL: '1d',
      AUTH_ISSUER: 'http://auth:9100',
      AUTH_LOG_LEVEL: 'debug',
    };
    expect(resolve({}, env)).toEqual(
      ok({ port: 9100, host: '0.0.0.0', usersPath: '/etc/auth/users.yaml', keyFile: '/var/lib/auth/key.json', tokenTtlS: 7200, refreshTtlS: 86_400, issuer: 'http://auth:9100', logLevel: 'debug' }),
    );
    const flags = { port: '0', 'key-file': 'k.json', tokenTtl: '30s', issuer: 'https://id.example.com', 'log-level': 'WARN' };
    expect(resolve(flags, env)).toMatchObject(ok({ port: 0, host: '0.0.0.0', keyFile: 'k.json', tokenTtlS: 30, issuer: 'https://id.example.com', logLevel: 'warn' }));
  });

  it('ignores empty environment variables', () => {
    expect(resolve({}, { AUTH_PORT: '', AUTH_ISSUER: '  ' })).toMatchObject(ok({ port: 9000 }));
  });

  it('returns a frozen configuration', () => {
    const config = resolve();
    expect(config.ok && Object.isFrozen(config.value)).toBe(true);
  });

  it.each([
    [{ port: '70000' }, {}, 'port', '--port: expected an integer from 0 to 65535, got "70000" (flag --port or AUTH_PORT)'],
    [{}, { AUTH_PORT: 'http' }, 'port', '--port: expected an integer from 0 to 65535, got "http" from AUTH_PORT (flag --port or AUTH_PORT)'],
    [{ 'token-ttl': '15 minutes' }, {}, 'token-ttl', '--token-ttl: expected a duration such as 30s, 15m, 2h or 7d, from 1s to 1d, got "15 minutes"'],
    [{ 'token-ttl': '0' }, {}, 'token-ttl', '--token-ttl: expected a duration such as 30s, 15m, 2h or 7d, from 1s to 1d, got "0"'],
    [{}, { AUTH_TOKEN_TTL: '7d' }, 'token-ttl', 'got "7d" from AUTH_TOKEN_TTL'],
    [{ issuer: 'auth.example.com' }, {}, 'issuer', '--issuer: expected an absolute http:// or https:// URL'],
    [{ issuer: 'http://user:pw@auth' }, {}, 'issuer', '--issuer: expected an absolute http:// or https:// URL without credentials'],
    [{ 'log-level': 'loud' }, {}, 'log-level', '--log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [{ host: 'a b' }, {}, 'host', '--host: expected a host name or IP address'],
    [{ users: '' }, {}, 'users', '--users: expected a file path'],
  ])('refuses %j %j naming --%s', (flags, env, flag, message) => {
    const result = resolve(flags, env);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.flag).toBe(flag);
    expect(result.error.message).toContain(message);
    expect(result.error.message).not.toContain('\n');
  });
});

describe('the other commands', () => {
  it('users and service-accounts edit the file serve reads, AUTH_USERS included', () => {
    expect(resolveUsersPath({ flags: {}, env: {} })).toEqual(ok('.formgate/auth/users.yaml'));
    expect(resolveUsersPath({ flags: {}, env: { AUTH_USERS: '/data/users.yaml' } })).toEqual(ok('/data/users.yaml'));
    expect(resolveUsersPath({ flags: { users: 'mine.yaml' }, env: { AUTH_USERS: '/data/users.yaml' } })).toEqual(ok('mine.yaml'));
  });

  it('token signs for the issuer serve would use in the same environment', () => {
    expect(resolveTokenCommandConfig({ flags: {}, env: {} })).toEqual(ok({ usersPath: '.formgate/auth/users.yaml', keyFile: '.formgate/auth/signing-key.json', ttlS: 900, issuer: 'http://127.0.0.1:9000' }));
    expect(resolveTokenCommandConfig({ flags: {}, env: { AUTH_HOST: '::1', AUTH_PORT: '9100', AUTH_TOKEN_TTL: '1h' } })).toMatchObject(ok({ ttlS: 3600, issuer: 'http://[::1]:9100' }));
    expect(resolveTokenCommandConfig({ flags: { ttl: '5m', issuer: 'http://auth:9000' }, env: { AUTH_ISSUER: 'http://other' } })).toMatchObject(ok({ ttlS: 300, issuer: 'http://auth:9000' }));
    expect(resolveTokenCommandConfig({ flags: { ttl: 'soon' }, env: {} })).toEqual(err({ flag: 'ttl', message: expect.stringContaining('--ttl: expected a duration') as unknown as string }));
  });
});

describe('durations', () => {
  it.each([
    ['30s', 30],
    ['15m', 900],
    ['2h', 7200],
    ['7d', 604_800],
    ['0', 0],
    ['45', 45],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toEqual(ok(seconds));
  });

  it.each(['', '1.5h', '-5m', '10 m', '1w', 'h'])('refuses %j', (text) => {
    expect(parseDuration(text).ok).toBe(false);
  });

  it('writes seconds back in the largest exact unit', () => {
    expect([900, 90, 7200, 86_400, 0].map(formatDuration)).toEqual(['15m', '90s', '2h', '1d', '0s']);
  });
});
