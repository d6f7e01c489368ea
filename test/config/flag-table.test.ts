import { describe, expect, it } from 'vitest';
import { AUTH_FLAGS } from '../../src/config/auth-flags.ts';
import { camelName, CHECK_AUTH_OPTIONS, envName, SERVE_OPTIONS } from '../../src/config/index.ts';
import { SERVER_FLAGS } from '../../src/config/server-flags.ts';
import { WEB_FLAGS } from '../../src/config/web-flags.ts';

// The flag table is written in two parts and joined by a spread, where a key in both parts would silently
// drop one of its descriptions; and check-auth takes the auth part whole, so the split must follow the names.
describe('the flag table in two parts', () => {
  const server = Object.keys(SERVER_FLAGS);
  const auth = Object.keys(AUTH_FLAGS);
  const web = Object.keys(WEB_FLAGS);

  it('shares no flag between the parts, and SERVE_OPTIONS is both in order', () => {
    expect(server.filter((name) => auth.includes(name) || web.includes(name))).toEqual([]);
    expect(auth.filter((name) => web.includes(name))).toEqual([]);
    expect(Object.keys(SERVE_OPTIONS)).toEqual([...server, ...auth, ...web]);
  });

  it('puts exactly the auth-* flags in the identity-service part', () => {
    expect(auth.filter((name) => !name.startsWith('auth-'))).toEqual([]);
    expect(server.filter((name) => name.startsWith('auth-'))).toEqual([]);
    // The web table holds the web client's flags and the switch of the other half, whose address only the web client needs.
    expect(web.filter((name) => name !== 'ui' && !name.startsWith('ui-') && name !== 'api' && !name.startsWith('api-'))).toEqual([]);
  });
});

describe('the names a flag is given by', () => {
  const tables = { serve: SERVE_OPTIONS, 'check-auth': CHECK_AUTH_OPTIONS };

  for (const [command, table] of Object.entries(tables)) {
    // --token-stdin is a switch of the command line only: there is nothing to read from the environment.
    const withEnv = Object.keys(table).filter((name) => name !== 'token-stdin');

    it(`${command}: every flag has its own environment twin and camelCase key`, () => {
      expect(new Set(withEnv.map(envName)).size).toBe(withEnv.length);
      expect(new Set(Object.keys(table).map(camelName)).size).toBe(Object.keys(table).length);
    });

    it(`${command}: --help names each flag's environment twin`, () => {
      const unnamed = withEnv.filter((name) => !table[name as keyof typeof table]!.describe.includes(`[env: ${envName(name)}`));
      expect(unnamed).toEqual([]);
    });
  }
});
