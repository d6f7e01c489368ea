import type { CheckAuthTarget } from '../auth/check-auth.ts';
import type { AuthConfig } from '../auth/settings.ts';
import type { Result } from '../result.ts';
import { authSettings } from './auth.ts';
import { attempt, fail, type ConfigError } from './errors.ts';
import type { ConfigInput } from './input.ts';
import { flagValue, reader } from './reader.ts';

export type TokenSource = { readonly kind: 'value'; readonly token: string } | { readonly kind: 'stdin' };

/** What `formgate check-auth` runs on: the identity-service flags, and the token to try. */
export interface CheckAuthConfig {
  readonly auth: CheckAuthTarget;
  readonly token: TokenSource;
}

export function resolveCheckAuthConfig(input: Omit<ConfigInput, 'defaultFormsPath'>): Result<CheckAuthConfig, ConfigError> {
  return attempt(() => {
    const r = reader(input.flags, input.env);
    const auth = authSettings(r);
    const target = checkable(auth);
    const raw = r.scalar('token');
    const fromStdin = flagValue(input.flags, 'token-stdin') === true;
    if (fromStdin && raw !== undefined) fail('token', 'check-auth takes the token from --token (FORMGATE_TOKEN) or --token-stdin, not both');
    if (!fromStdin && (raw === undefined || raw.value === '')) {
      fail('token', 'check-auth needs a token to validate: pass --token TOKEN, set FORMGATE_TOKEN, or pipe it in with --token-stdin');
    }
    const token: TokenSource = fromStdin || raw === undefined ? { kind: 'stdin' } : { kind: 'value', token: raw.value };
    return { auth: target, token };
  });
}

function checkable(auth: AuthConfig): CheckAuthTarget {
  const { url, jwt } = auth;
  if (jwt !== undefined) return { ...auth, jwt };
  if (url === undefined) {
    fail('auth-url', 'check-auth needs the identity service: pass --auth-url URL (FORMGATE_AUTH_URL), or --auth-protocol jwt with --auth-issuer and --auth-audience');
  }
  return { ...auth, url };
}
