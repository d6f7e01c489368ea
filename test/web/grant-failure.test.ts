import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provider, refreshGrant } from '../../src/web/provider.ts';
import { startOidcProvider, type OidcProvider } from '../support/oidc-provider.ts';

/**
 * How a failed token grant is told apart, against a real provider on 127.0.0.1: the person's refusal
 * (sign in again), the provider's refusal of this client (the operator's setup), and a provider or a
 * secret that cannot be had right now (try again: the session is kept).
 */

let idp: OidcProvider;
const session = (refreshToken: string) => ({ accessToken: 'at', expiresAt: 0, refreshToken });

beforeAll(async () => {
  idp = await startOidcProvider();
});
afterAll(async () => idp.close());

describe('a refresh grant that fails', () => {
  it('for a refresh token the provider does not know: rejected, the client is fine', async () => {
    const p = provider({ issuer: idp.issuer, clientId: idp.clientId, clientSecret: async () => idp.clientSecret });
    expect(await refreshGrant(p, session('unknown'))).toEqual({ kind: 'rejected' });
  });

  it("for this client's wrong secret: rejected as the client's, and the operator is told once a minute", async () => {
    const told: string[] = [];
    const p = provider({ issuer: idp.issuer, clientId: idp.clientId, clientSecret: async () => 'not-the-secret', onClientRefused: () => told.push('refused') });
    expect(await refreshGrant(p, session('unknown'))).toEqual({ kind: 'rejected', clientRefused: true });
    expect(await refreshGrant(p, session('unknown'))).toEqual({ kind: 'rejected', clientRefused: true });
    expect(told).toEqual(['refused']);
  });

  it('while the secret file cannot be read: unavailable (the session is kept), and the operator is told why', async () => {
    const told: string[] = [];
    const p = provider({
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: () => readFile('/nonexistent/formgate-client-secret', 'utf8'),
      onSecretUnreadable: (reason) => told.push(reason),
    });
    expect(await refreshGrant(p, session('unknown'))).toMatchObject({ kind: 'unavailable' });
    expect(told).toEqual(['ENOENT']);
  });

  it('from a provider slower than the grant timeout: unavailable, never a refusal that signs the person out', async () => {
    idp.refreshDelayMs = 8000;
    try {
      const p = provider({ issuer: idp.issuer, clientId: idp.clientId, clientSecret: async () => idp.clientSecret });
      expect(await refreshGrant(p, session('unknown'))).toMatchObject({ kind: 'unavailable' });
    } finally {
      idp.refreshDelayMs = 0;
    }
  }, 20_000);
});
