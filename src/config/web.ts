import { fail, invalid, where } from './errors.ts';
import type { FlagName } from './flags.ts';
import type { Raw } from './input.ts';
import type { Reader } from './reader.ts';
import { envName } from './names.ts';
import type { ApiTarget } from './roles.ts';
import { formName, parseHttpUrl } from './values.ts';

/** A secret given as a value, or as a file read when it is used. */
export type SecretSource = { readonly kind: 'value'; readonly value: string } | { readonly kind: 'file'; readonly path: string };

/** The web client's settings; `null` in `Config.web` means `--no-ui`. */
export interface WebConfig {
  /** The API its pages ask: this process's own, or one at `--api-url`. */
  readonly api: ApiTarget;
  /** `--ui-forms`: the only forms this client offers; `null`: every form the API has. */
  readonly forms: readonly string[] | null;
  /** An origin only (`https://forms.example.org`): the redirect URI's base, `Secure` cookies when https. */
  readonly publicUrl: string;
  readonly signIn: { readonly issuer: string; readonly clientId: string; readonly clientSecret: SecretSource } | null;
  /** The session secrets (the first seals): values, or one file of one secret per line; `null`: a random key per process. */
  readonly sessionSecrets: { readonly kind: 'values'; readonly values: readonly string[] } | { readonly kind: 'file'; readonly path: string } | null;
}

export const MIN_SESSION_SECRET_LENGTH = 32;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

export function webSettings(r: Reader, api: ApiTarget | null, listen: { host: string; port: number }): WebConfig | null {
  if (api === null) return null;
  const forms = formScope(r);
  const publicRaw = r.scalar('ui-public-url');
  const publicUrl = publicRaw === undefined ? defaultPublicUrl(listen) : publicOrigin(publicRaw);

  const issuerRaw = r.scalar('ui-issuer');
  const issuer = issuerRaw === undefined ? undefined : issuerUrl(issuerRaw);
  const clientId = r.scalar('ui-client-id');
  if (clientId?.value === '') invalid('ui-client-id', 'a non-empty client id', clientId);
  const clientSecret = secretSource(r, 'ui-client-secret', 'ui-client-secret-file');
  const sessionSecrets = sessionSecretSource(r);

  if (issuer === undefined) {
    if (clientId !== undefined || clientSecret !== undefined) {
      fail(clientId !== undefined ? 'ui-client-id' : 'ui-client-secret', 'the web client credentials need an OpenID provider: pass --ui-issuer URL (FORMGATE_UI_ISSUER), or drop them');
    }
    return { api, forms, publicUrl, signIn: null, sessionSecrets };
  }
  if (clientId === undefined || clientSecret === undefined) {
    fail(
      clientId === undefined ? 'ui-client-id' : 'ui-client-secret',
      '--ui-issuer needs the web client credentials: pass --ui-client-id ID (FORMGATE_UI_CLIENT_ID) and --ui-client-secret-file FILE (FORMGATE_UI_CLIENT_SECRET_FILE) or --ui-client-secret SECRET',
    );
  }
  if (sessionSecrets === null) {
    fail('ui-session-secret', 'sign-in (--ui-issuer) needs a session secret: pass --ui-session-secret-file FILE (FORMGATE_UI_SESSION_SECRET_FILE) or --ui-session-secret SECRET (at least 32 characters)');
  }
  return { api, forms, publicUrl, signIn: { issuer, clientId: clientId.value, clientSecret }, sessionSecrets };
}

/** `--ui-forms a,b`: form names as the forms file spells them; whether the API has them is checked at startup. */
function formScope(r: Reader): readonly string[] | null {
  const given = r.list('ui-forms');
  if (given === undefined) return null;
  if (given.items.length === 0) invalid('ui-forms', 'a comma-separated list of form names, e.g. contact,feedback', { value: '', source: given.source });
  for (const name of given.items) formName('ui-forms', { value: name, source: given.source });
  return [...new Set(given.items)];
}

function defaultPublicUrl({ host, port }: { host: string; port: number }): string {
  // A wildcard address is where the server listens, not where anyone reaches it.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachable}:${port}`;
}

function publicOrigin(raw: Raw): string {
  const u = parseHttpUrl(raw.value);
  if (u === undefined) invalid('ui-public-url', 'an http:// or https:// origin such as https://forms.example.org', raw);
  if (u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '' || (u.pathname !== '/' && u.pathname !== '')) {
    invalid('ui-public-url', 'an origin only (scheme, host and port; no path, query or credentials), e.g. https://forms.example.org', raw);
  }
  return u.origin;
}

function issuerUrl(raw: Raw): string {
  const u = parseHttpUrl(raw.value);
  if (u === undefined) invalid('ui-issuer', "the OpenID provider's issuer, an http:// or https:// URL", raw);
  if (u.username !== '' || u.password !== '') {
    fail('ui-issuer', `--ui-issuer: the URL must not carry a user name or password; the client credentials go in --ui-client-id and --ui-client-secret-file ${where('ui-issuer')}`);
  }
  // openid-client refuses plain http unless told otherwise; Formgate tells it so only for this machine.
  if (u.protocol === 'http:' && !LOOPBACK.test(u.hostname)) {
    invalid('ui-issuer', 'an https:// issuer (plain http only on a loopback address such as 127.0.0.1 or localhost)', raw);
  }
  return raw.value;
}

function secretSource(r: Reader, valueFlag: FlagName, fileFlag: FlagName): SecretSource | undefined {
  const value = r.scalar(valueFlag, { trim: false });
  const file = r.scalar(fileFlag);
  if (value !== undefined && file !== undefined) fail(valueFlag, `pass --${valueFlag} or --${fileFlag}, not both (${envName(valueFlag)}, ${envName(fileFlag)})`);
  if (value !== undefined) {
    if (value.value.trim() === '') invalid(valueFlag, 'a non-empty secret', value);
    return { kind: 'value', value: value.value.trim() };
  }
  if (file !== undefined) {
    if (file.value === '') invalid(fileFlag, 'the path of a file', file);
    return { kind: 'file', path: file.value };
  }
  return undefined;
}

function sessionSecretSource(r: Reader): WebConfig['sessionSecrets'] {
  const values = r.list('ui-session-secret');
  const file = r.scalar('ui-session-secret-file');
  if (values !== undefined && file !== undefined) {
    fail('ui-session-secret', 'pass --ui-session-secret or --ui-session-secret-file, not both (FORMGATE_UI_SESSION_SECRET, FORMGATE_UI_SESSION_SECRET_FILE)');
  }
  if (file !== undefined) {
    if (file.value === '') invalid('ui-session-secret-file', 'the path of a file', file);
    return { kind: 'file', path: file.value };
  }
  if (values === undefined) return null;
  if (values.items.length === 0 || values.items.some((s) => s.length < MIN_SESSION_SECRET_LENGTH)) {
    fail('ui-session-secret', `--ui-session-secret: each secret needs at least ${MIN_SESSION_SECRET_LENGTH} characters, e.g. from \`openssl rand -base64 32\` ${where('ui-session-secret')}`);
  }
  return { kind: 'values', values: values.items };
}
