import { describe, expect, it } from 'vitest';
import { attempt, type ConfigError } from '../../src/config/errors.ts';
import { reader } from '../../src/config/reader.ts';
import { apiTarget, DEFAULT_API_TIMEOUT_MS, halfEnabled, type ApiTarget } from '../../src/config/roles.ts';
import type { Result } from '../../src/result.ts';

type Flags = Record<string, unknown>;
type Env = Record<string, string | undefined>;

const half = (flag: 'api' | 'ui', flags: Flags, env: Env = {}) => attempt(() => halfEnabled(flags, env, flag));

function target(halves: { api: boolean; ui: boolean }, flags: Flags = {}, env: Env = {}): Result<ApiTarget | null, ConfigError> {
  return attempt(() => apiTarget(reader(flags, env), halves));
}

function value<T>(r: Result<T, ConfigError>): T {
  if (!r.ok) throw new Error(`expected a value, got: ${r.error.message}`);
  return r.value;
}

function error<T>(r: Result<T, ConfigError>): ConfigError {
  if (r.ok) throw new Error(`expected an error, got: ${JSON.stringify(r.value)}`);
  return r.error;
}

const WEB_ONLY = { api: false, ui: true };

describe('halfEnabled: --api/--no-api and --ui/--no-ui', () => {
  it('is on unless told otherwise', () => {
    expect(value(half('api', {}))).toBe(true);
    expect(value(half('ui', {}, { FORMGATE_UI: '' }))).toBe(true);
    expect(value(half('api', {}, { FORMGATE_API: '   ' }))).toBe(true);
  });

  it('takes the boolean yargs gives, the last one when repeated, under either key', () => {
    expect(value(half('api', { api: false }))).toBe(false);
    expect(value(half('api', { api: [false, true] }))).toBe(true);
    expect(value(half('ui', { ui: [true, false] }))).toBe(false);
  });

  it('lets the flag win over the environment', () => {
    expect(value(half('api', { api: true }, { FORMGATE_API: 'false' }))).toBe(true);
    expect(value(half('ui', { ui: false }, { FORMGATE_UI: 'true' }))).toBe(false);
  });

  for (const [raw, is] of [['true', true], ['1', true], ['YES', true], ['on', true], ['false', false], ['0', false], ['No', false], [' off ', false]] as const) {
    it(`reads FORMGATE_API=${JSON.stringify(raw)} as ${is}`, () => {
      expect(value(half('api', {}, { FORMGATE_API: raw }))).toBe(is);
    });
  }

  it('refuses anything else, naming the flag, where it came from and the way to say it', () => {
    const e = error(half('api', {}, { FORMGATE_API: 'maybe' }));
    expect(e.flag).toBe('api');
    expect(e.message).toContain('--api: expected true or false (or --no-api)');
    expect(e.message).toContain('from FORMGATE_API');
    expect(error(half('ui', { ui: 'sometimes' })).message).not.toContain('from FORMGATE_UI');
  });
});

describe('apiTarget: the rules between the halves', () => {
  it('co-located: the API in this process; --no-ui: no web client, so no target', () => {
    expect(value(target({ api: true, ui: true }))).toEqual({ kind: 'in-process' });
    expect(value(target({ api: true, ui: false }))).toBeNull();
  });

  it('refuses both halves off (flag api), whatever else is given', () => {
    const e = error(target({ api: false, ui: false }, { 'api-url': 'http://127.0.0.1:8081' }));
    expect(e.flag).toBe('api');
    expect(e.message).toContain('both halves are off');
    expect(e.message).toContain('--no-ui runs the API alone');
  });

  it('refuses --no-api without --api-url (flag api-url), naming the flag and its twin', () => {
    const e = error(target(WEB_ONLY));
    expect(e.flag).toBe('api-url');
    expect(e.message).toContain('--no-api needs --api-url URL (FORMGATE_API_URL)');
  });

  it('refuses --api-url while this process serves the API, from the flag or the environment', () => {
    for (const [flags, env] of [[{ 'api-url': 'http://127.0.0.1:8081' }, {}], [{}, { FORMGATE_API_URL: 'http://127.0.0.1:8081' }]] as const) {
      const e = error(target({ api: true, ui: true }, flags, env));
      expect(e.flag).toBe('api-url');
      expect(e.message).toContain('add --no-api (FORMGATE_API=false), or drop --api-url');
    }
    expect(error(target({ api: true, ui: false }, { apiUrl: 'http://127.0.0.1:8081' })).flag).toBe('api-url');
  });

  it('web-only: a base URL without its last slashes, a path kept as a prefix, the default timeout', () => {
    expect(value(target(WEB_ONLY, { 'api-url': 'http://127.0.0.1:8081/' }))).toEqual({ kind: 'remote', url: 'http://127.0.0.1:8081', timeoutMs: DEFAULT_API_TIMEOUT_MS });
    expect(value(target(WEB_ONLY, { 'api-url': ' https://api.example/formgate// ' }))).toMatchObject({ url: 'https://api.example/formgate' });
    expect(value(target(WEB_ONLY, {}, { FORMGATE_API_URL: 'http://formgate-api:8080', FORMGATE_API_TIMEOUT: '300' }))).toEqual({ kind: 'remote', url: 'http://formgate-api:8080', timeoutMs: 300 });
  });

  for (const raw of ['ftp://127.0.0.1/', 'not a url', 'http://127.0.0.1:8081/?x=1', 'http://127.0.0.1:8081/#top']) {
    it(`refuses --api-url ${JSON.stringify(raw)}`, () => {
      const e = error(target(WEB_ONLY, { 'api-url': raw }));
      expect(e.flag).toBe('api-url');
      expect(e.message).toMatch(/^--api-url: expected /);
    });
  }

  for (const raw of ['http://formgate:pw-4711-secret@127.0.0.1:8081', 'http://:pw-4711-secret@127.0.0.1:8081', 'https://pw-4711-secret@api.example', 'formgate:pw-4711-secret@127.0.0.1:8081']) {
    it(`refuses credentials in ${raw.replace('pw-4711-secret', '…')} without echoing them`, () => {
      const e = error(target(WEB_ONLY, { 'api-url': raw }));
      expect(e.flag).toBe('api-url');
      expect(e.message).not.toContain('pw-4711-secret');
    });
  }

  for (const raw of ['99', '600001', '1.5', '-1', 'soon']) {
    it(`refuses --api-timeout ${raw} (from 100 to 600000 ms)`, () => {
      const e = error(target(WEB_ONLY, { 'api-url': 'http://127.0.0.1:8081', 'api-timeout': raw }));
      expect(e.flag).toBe('api-timeout');
      expect(e.message).toContain('an integer from 100 to 600000 (milliseconds)');
    });
  }
});

describe('what the --api-url refusals say', () => {
  it('with --no-ui: drop --api-url (adding --no-api would turn both halves off)', () => {
    const e = error(target({ api: true, ui: false }, { 'api-url': 'http://api.internal:8080' }));
    expect(e.flag).toBe('api-url');
    expect(e.message).toContain('drop --api-url');
    expect(e.message).not.toContain('add --no-api');
  });

  it('a query is refused without echoing it: a token pasted by mistake stays off stderr', () => {
    const e = error(target(WEB_ONLY, { 'api-url': 'http://api.internal:8080/?access_token=SEKRIT' }));
    expect(e.flag).toBe('api-url');
    expect(e.message).toContain('without a query or fragment');
    expect(e.message).not.toContain('SEKRIT');
  });
});
