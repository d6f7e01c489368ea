import { DEFAULT_REFRESH_TTL_S } from '../config.ts';
import { codeStore, type CodeStore } from './codes.ts';
import { expiringMap, type ExpiringMap } from './expiring-map.ts';
import { DEFAULT_LOGIN_LIMITS, loginLimits, type LoginLimitOptions, type LoginLimits } from './login-limits.ts';
import type { AuthorizationRequest } from './authorization-request.ts';
import { refreshStore, type RefreshStore } from './refresh-tokens.ts';

/** Lifetimes and limits of the sign-in flow; every one can be shortened by a test instead of waited for. */
export interface OidcSettings {
  /** How long a sign-in can be refreshed (`--refresh-ttl`). */
  readonly refreshTtlS: number;
  /** How long an authorization code can be redeemed. */
  readonly codeTtlS: number;
  /** How long a login page stays usable. */
  readonly pendingTtlS: number;
  readonly loginLimits: LoginLimitOptions;
}

export const DEFAULT_OIDC_SETTINGS: OidcSettings = { refreshTtlS: DEFAULT_REFRESH_TTL_S, codeTtlS: 60, pendingTtlS: 600, loginLimits: DEFAULT_LOGIN_LIMITS };

/** The sign-in flow's memory: one per app, gone with the process. */
export interface OidcState {
  readonly settings: OidcSettings;
  /** Login pages shown and not yet answered, under the id in their hidden field. */
  readonly pending: ExpiringMap<AuthorizationRequest>;
  readonly codes: CodeStore;
  readonly refresh: RefreshStore;
  readonly limits: LoginLimits;
}

export function oidcState(overrides: Partial<OidcSettings> = {}): OidcState {
  const settings = { ...DEFAULT_OIDC_SETTINGS, ...overrides };
  return {
    settings,
    pending: expiringMap(5_000),
    // A redeemed code is remembered as long as a login page lives: past that, a replay is merely unknown.
    codes: codeStore({ ttlS: settings.codeTtlS, reuseWindowS: settings.pendingTtlS }),
    refresh: refreshStore({ ttlS: settings.refreshTtlS }),
    limits: loginLimits(settings.loginLimits),
  };
}
