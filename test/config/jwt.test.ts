import { describe, expect, it } from 'vitest';
import { ASYMMETRIC_ALGORITHMS } from '../../src/auth/jwt/algorithms.ts';
import { resolveCheckAuthConfig, resolveConfig, type Config, type ConfigError } from '../../src/config/index.ts';

/** `--auth-protocol jwt`'s flags and the rules among them (issue 15, point 1). */

type Flags = Record<string, unknown>;
const JWT: Flags = { 'auth-protocol': 'jwt', 'auth-issuer': 'https://id.example/realms/main', 'auth-audience': 'formgate' };

function good(flags: Flags, env: Record<string, string> = {}): Config {
  const r = resolveConfig({ flags, env, defaultFormsPath: 'examples/forms.yaml' });
  if (!r.ok) throw new Error(`expected a config, got: ${r.error.message}`);
  return r.value;
}

function bad(flags: Flags, env: Record<string, string> = {}): ConfigError {
  const r = resolveConfig({ flags, env, defaultFormsPath: 'examples/forms.yaml' });
  if (r.ok) throw new Error(`expected an error, got: ${JSON.stringify(r.value.auth)}`);
  // Every configuration error is one line (it is printed as one, with exit 2).
  expect(r.error.message).not.toMatch(/[\r\n]/);
  return r.error;
}

describe('--auth-protocol jwt', () => {
  it('fills the defaults: asymmetric algorithms, 30 s tolerance, a day stale window and lifetime, 30 s cooldown, no health URL', () => {
    const { auth } = good(JWT);
    expect(auth).toMatchObject({ protocol: 'jwt', healthUrl: null });
    expect(auth.url).toBeUndefined();
    expect(auth.jwt).toEqual({
      issuer: 'https://id.example/realms/main',
      audiences: ['formgate'],
      algorithms: [...ASYMMETRIC_ALGORITHMS],
      clockToleranceS: 30,
      keySetStaleS: 86_400,
      keySetCooldownS: 30,
      maxTokenLifetimeS: 86_400,
    });
  });

  it('satisfies --protect all (the default): no --auth-url needed', () => {
    expect(good(JWT).protect).toEqual({ forms: 'all', documents: 'all' });
  });

  it('keeps the issuer exactly as written (iss is compared to it byte for byte), trailing slash included', () => {
    expect(good({ ...JWT, 'auth-issuer': 'https://id.example/' }).auth.jwt?.issuer).toBe('https://id.example/');
  });

  it('reads everything from the environment too', () => {
    const env = {
      FORMGATE_AUTH_PROTOCOL: 'jwt',
      FORMGATE_AUTH_ISSUER: 'http://127.0.0.1:9000',
      FORMGATE_AUTH_JWKS_URL: 'http://127.0.0.1:9000/.well-known/jwks.json',
      FORMGATE_AUTH_AUDIENCE: 'formgate,reports',
      FORMGATE_AUTH_ALGORITHMS: 'eddsa, rs256',
      FORMGATE_AUTH_HEALTH_URL: 'http://127.0.0.1:9000/healthz',
    };
    const { auth } = good({}, env);
    expect(auth.jwt).toMatchObject({ jwksUrl: env.FORMGATE_AUTH_JWKS_URL, audiences: ['formgate', 'reports'], algorithms: ['EdDSA', 'RS256'] });
    expect(auth.healthUrl).toBe('http://127.0.0.1:9000/healthz');
  });

  it.each([
    [{ 'auth-issuer': undefined }, 'auth-issuer', /needs the issuer its tokens name: pass --auth-issuer URL/],
    [{ 'auth-audience': undefined }, 'auth-audience', /needs the audience its tokens are for: pass --auth-audience/],
    [{ 'auth-audience': ' , ' }, 'auth-audience', /needs the audience/],
    [{ 'auth-issuer': 'id.example' }, 'auth-issuer', /expected the provider's issuer, an http:\/\/ or https:\/\/ URL, got "id.example"/],
    [{ 'auth-issuer': 'http://id.example' }, 'auth-issuer', /plain http only on a loopback address/],
    [{ 'auth-issuer': 'https://u:pw@id.example' }, 'auth-issuer', /must not carry a user name or password/],
    [{ 'auth-issuer': 'https://id.example/?realm=x' }, 'auth-issuer', /without a query or fragment/],
    [{ 'auth-jwks-url': 'http://keys.example/jwks' }, 'auth-jwks-url', /plain http only on a loopback address/],
    [{ 'auth-algorithms': 'none' }, 'auth-algorithms', /never accepts unsigned tokens \(alg none\); drop none/],
    [{ 'auth-algorithms': 'RS256,NONE' }, 'auth-algorithms', /never accepts unsigned tokens/],
    [{ 'auth-algorithms': 'HS256' }, 'auth-algorithms', /HS256 needs a shared secret, which a provider's published key set never holds/],
    [{ 'auth-algorithms': 'RS256,XS1' }, 'auth-algorithms', /expected JWS algorithms from RS256, .*EdDSA, Ed25519, got "RS256,XS1"/],
    [{ 'auth-clock-tolerance': '301' }, 'auth-clock-tolerance', /an integer from 0 to 300 \(seconds\)/],
    [{ 'auth-jwks-stale': '2592001' }, 'auth-jwks-stale', /an integer from 0 to 2592000/],
    [{ 'auth-jwks-cooldown': '0' }, 'auth-jwks-cooldown', /an integer from 1 to 3600/],
    [{ 'auth-max-token-lifetime': '0' }, 'auth-max-token-lifetime', /an integer from 1 to 31536000/],
    [{ 'auth-url': 'https://id.example/validate' }, 'auth-url', /--auth-protocol jwt reads the keys from --auth-jwks-url or --auth-issuer's discovery.*drop --auth-url/],
    [{ 'auth-client-id': 'formgate' }, 'auth-client-id', /--auth-client-id is only for --auth-protocol introspection/],
    [{ 'auth-client-secret': 's3cret-value' }, 'auth-client-secret', /--auth-client-secret is only for --auth-protocol introspection/],
  ])('refuses %j, naming --%s', (extra, flag, message) => {
    const e = bad({ ...JWT, ...extra });
    expect(e.flag).toBe(flag);
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain('s3cret-value');
  });

  it.each(['auth-issuer', 'auth-jwks-url', 'auth-audience', 'auth-algorithms', 'auth-clock-tolerance', 'auth-jwks-stale', 'auth-jwks-cooldown', 'auth-max-token-lifetime'])(
    'refuses --%s with another protocol: it catches a forgotten --auth-protocol jwt',
    (flag) => {
      const value = flag.endsWith('url') || flag === 'auth-issuer' ? 'https://id.example' : flag === 'auth-algorithms' ? 'RS256' : flag === 'auth-audience' ? 'formgate' : '10';
      const e = bad({ 'auth-url': 'https://id.example/validate', [flag]: value });
      expect(e.flag).toBe(flag);
      expect(e.message).toBe(`--${flag} is only for --auth-protocol jwt (FORMGATE_AUTH_PROTOCOL=jwt); drop it (flag --${flag} or FORMGATE_${flag.toUpperCase().replaceAll('-', '_')}), or pass --auth-protocol jwt`);
    },
  );

  it('deduplicates audiences and algorithms, keeping their order', () => {
    const { jwt } = good({ ...JWT, 'auth-audience': ['b', 'a,b'], 'auth-algorithms': 'ES256,es256,RS256' }).auth;
    expect(jwt?.audiences).toEqual(['b', 'a']);
    expect(jwt?.algorithms).toEqual(['ES256', 'RS256']);
  });
});

describe('check-auth with --auth-protocol jwt', () => {
  it('needs no --auth-url, and reads the jwt settings as serve does', () => {
    const r = resolveCheckAuthConfig({ flags: { ...JWT, token: 'x.y.z' }, env: {} });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.auth.jwt).toEqual(good(JWT).auth.jwt);
  });

  it('without either names both ways', () => {
    const r = resolveCheckAuthConfig({ flags: { token: 'x.y.z' }, env: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/pass --auth-url URL \(FORMGATE_AUTH_URL\), or --auth-protocol jwt with --auth-issuer and --auth-audience/);
  });
});
