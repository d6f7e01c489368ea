import { endpointCheck, type HealthCheck } from '../health/check.ts';

/** How long one look at the identity service's health is reused by /health. */
export const IDENTITY_HEALTH_KEEP_MS = 5000;

export interface IdentityHealthOptions {
  readonly url: string;
  readonly timeoutMs: number;
  /** Whether /health fails with it: true while some domain needs a token. */
  readonly critical: boolean;
  readonly keepMs?: number;
  readonly now?: () => number;
}

/** The identity service's own health endpoint (`--auth-health-url`): GET, and any 2xx is a pass. */
export function identityHealthCheck(options: IdentityHealthOptions): HealthCheck {
  return endpointCheck({ ...options, name: 'identity-service:responseTime', keepMs: options.keepMs ?? IDENTITY_HEALTH_KEEP_MS });
}
