import { ASYMMETRIC_ALGORITHMS, canonicalAlgorithm, isHmacAlgorithm } from '../auth/jwt/algorithms.ts';
import type { AuthProtocol } from '../auth/protocols/protocol.ts';
import type { JwtConfig } from '../auth/settings.ts';
import { DEFAULT_JWKS_COOLDOWN_S, DEFAULT_JWKS_STALE_S, DEFAULT_JWT_CLOCK_TOLERANCE_S, DEFAULT_JWT_MAX_TOKEN_LIFETIME_S } from './defaults.ts';
import { fail, invalid, where } from './errors.ts';
import type { FlagName } from './flags.ts';
import type { Raw } from './input.ts';
import type { Reader } from './reader.ts';
import { envName } from './names.ts';
import { integer, parseHttpUrl } from './values.ts';

/** The flags only `--auth-protocol jwt` reads; given with another protocol they are refused, which catches typos. */
export const JWT_ONLY_FLAGS = [
  'auth-issuer',
  'auth-jwks-url',
  'auth-audience',
  'auth-algorithms',
  'auth-clock-tolerance',
  'auth-jwks-stale',
  'auth-jwks-cooldown',
  'auth-max-token-lifetime',
] as const satisfies readonly FlagName[];

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
const THIRTY_DAYS_S = 30 * 86_400;
const ONE_YEAR_S = 31_536_000;

/** `--auth-protocol jwt`'s settings, or undefined for the other protocols (which must not be given them). */
export function jwtSettings(r: Reader, protocol: AuthProtocol): JwtConfig | undefined {
  if (protocol !== 'jwt') {
    const given = JWT_ONLY_FLAGS.find((flag) => (flag === 'auth-audience' || flag === 'auth-algorithms' ? r.list(flag) : r.scalar(flag)) !== undefined);
    if (given !== undefined) {
      fail(given, `--${given} is only for --auth-protocol jwt (FORMGATE_AUTH_PROTOCOL=jwt); drop it ${where(given)}, or pass --auth-protocol jwt`);
    }
    return undefined;
  }
  const issuerRaw = r.scalar('auth-issuer');
  if (issuerRaw === undefined) fail('auth-issuer', '--auth-protocol jwt needs the issuer its tokens name: pass --auth-issuer URL (FORMGATE_AUTH_ISSUER)');
  const issuer = keyUrl('auth-issuer', issuerRaw, "the provider's issuer");
  const parsed = new URL(issuer);
  if (parsed.search !== '' || parsed.hash !== '') {
    invalid('auth-issuer', 'an issuer URL without a query or fragment (OpenID Connect Discovery §2)', issuerRaw);
  }
  const jwksRaw = r.scalar('auth-jwks-url');
  const jwksUrl = jwksRaw === undefined ? undefined : keyUrl('auth-jwks-url', jwksRaw, "the provider's key set (JWKS)");
  return {
    issuer,
    ...(jwksUrl === undefined ? {} : { jwksUrl }),
    audiences: audiences(r),
    algorithms: algorithms(r),
    clockToleranceS: integer(r, 'auth-clock-tolerance', DEFAULT_JWT_CLOCK_TOLERANCE_S, 0, 300, ' (seconds)'),
    keySetStaleS: integer(r, 'auth-jwks-stale', DEFAULT_JWKS_STALE_S, 0, THIRTY_DAYS_S, ' (seconds)'),
    keySetCooldownS: integer(r, 'auth-jwks-cooldown', DEFAULT_JWKS_COOLDOWN_S, 1, 3600, ' (seconds)'),
    maxTokenLifetimeS: integer(r, 'auth-max-token-lifetime', DEFAULT_JWT_MAX_TOKEN_LIFETIME_S, 1, ONE_YEAR_S, ' (seconds)'),
  };
}

/**
 * Where the keys come from decides whose tokens are accepted, so plain http is refused except on this
 * machine, as `--ui-issuer` is. The value is kept as written: `iss` is compared to it exactly.
 */
function keyUrl(flag: FlagName, raw: Raw, what: string): string {
  const u = parseHttpUrl(raw.value);
  if (u === undefined) invalid(flag, `${what}, an http:// or https:// URL`, raw);
  if (u.username !== '' || u.password !== '') fail(flag, `--${flag}: the URL must not carry a user name or password ${where(flag)}`);
  if (u.protocol === 'http:' && !LOOPBACK.test(u.hostname)) {
    invalid(flag, `an https:// URL (plain http only on a loopback address such as 127.0.0.1 or localhost)`, raw);
  }
  return raw.value;
}

function audiences(r: Reader): readonly string[] {
  const given = r.list('auth-audience');
  if (given === undefined || given.items.length === 0) {
    fail('auth-audience', '--auth-protocol jwt needs the audience its tokens are for: pass --auth-audience A[,B] (FORMGATE_AUTH_AUDIENCE), e.g. the API identifier at the provider');
  }
  return [...new Set(given.items)];
}

function algorithms(r: Reader): readonly string[] {
  const given = r.list('auth-algorithms');
  if (given === undefined) return ASYMMETRIC_ALGORITHMS;
  const flag = 'auth-algorithms';
  const raw: Raw = { value: given.items.join(','), source: given.source };
  if (given.items.length === 0) invalid(flag, `a comma-separated list of JWS algorithms, e.g. ${ASYMMETRIC_ALGORITHMS.slice(0, 3).join(',')}`, raw);
  const chosen = given.items.map((name) => {
    // An unsigned token proves nothing about who sent it; no setting makes it acceptable.
    if (name.toLowerCase() === 'none') fail(flag, `--${flag}: Formgate never accepts unsigned tokens (alg none); drop none ${where(flag)}`);
    if (isHmacAlgorithm(name)) {
      fail(flag, `--${flag}: ${name} needs a shared secret, which a provider's published key set never holds; Formgate checks JWTs signed with public-key algorithms only: drop ${name} ${where(flag)}`);
    }
    const alg = canonicalAlgorithm(name);
    if (alg === undefined) invalid(flag, `JWS algorithms from ${ASYMMETRIC_ALGORITHMS.join(', ')}`, raw);
    return alg;
  });
  return [...new Set(chosen)];
}

/** The HTTP protocols' flags that mean nothing to jwt, refused with it so a half-migrated command line is caught. */
export function refuseHttpFlagsWithJwt(r: Reader): void {
  if (r.scalar('auth-url') !== undefined) {
    fail('auth-url', `--auth-protocol jwt reads the keys from --auth-jwks-url or --auth-issuer's discovery, and asks no identity service per token; drop --auth-url ${where('auth-url')}`);
  }
  for (const flag of ['auth-client-id', 'auth-client-secret'] as const) {
    if (r.scalar(flag, { trim: false }) !== undefined) {
      fail(flag, `--${flag} is only for --auth-protocol introspection; --auth-protocol jwt needs no client credentials: drop it (${envName(flag)})`);
    }
  }
}
