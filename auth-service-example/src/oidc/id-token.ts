import { compactVerify, SignJWT, type CompactJWSHeaderParameters } from 'jose';
import { z } from 'zod';
import { SIGNING_ALGORITHM, type SigningKey } from '../keys.ts';
import type { Principal } from '../principals.ts';
import { err, ok, type Result } from '../result.ts';
import type { SignIn } from './sign-in.ts';

/**
 * ID tokens (OIDC Core §2), signed with the same key as access tokens, for the audience of the client.
 * The person's claims follow the scopes: `profile` adds name and preferred_username, `email` the
 * address, `groups` the groups. A refreshed ID token carries no nonce (§12.2).
 */

export interface IdTokenInput {
  readonly key: SigningKey;
  readonly issuer: string;
  readonly ttlS: number;
  readonly signIn: SignIn;
  readonly principal: Principal;
  readonly nonce?: string;
}

export function signIdToken(input: IdTokenInput, nowMs: number): Promise<string> {
  const { principal, signIn } = input;
  const scopes = new Set(signIn.scopes.oidc);
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({
    auth_time: signIn.authTimeS,
    sid: signIn.sid,
    ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
    ...(scopes.has('profile') ? { preferred_username: principal.name, ...(principal.displayName === undefined ? {} : { name: principal.displayName }) } : {}),
    ...(scopes.has('email') && principal.email !== undefined ? { email: principal.email } : {}),
    ...(scopes.has('groups') ? { groups: [...principal.groups] } : {}),
  })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: input.key.kid, typ: 'JWT' })
    .setIssuer(input.issuer)
    .setSubject(principal.subject)
    .setAudience(signIn.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + input.ttlS)
    .sign(input.key.privateKey);
}

const HintClaims = z.object({ iss: z.string(), sub: z.string(), aud: z.string(), sid: z.string().optional() });

export type IdTokenHint = z.output<typeof HintClaims>;

/**
 * An `id_token_hint` at logout (RP-Initiated Logout §2): one of our ID tokens, checked for signature and
 * issuer but not for expiry, since a person may well sign out after their ID token ran out.
 */
export async function readIdTokenHint(key: SigningKey, issuer: string, token: string): Promise<Result<IdTokenHint, string>> {
  try {
    const keyFor = (header: CompactJWSHeaderParameters) => {
      if (header.alg !== SIGNING_ALGORITHM || header.kid !== key.kid) throw new Error('not our key');
      return key.publicKey;
    };
    const { payload } = await compactVerify(token, keyFor, { algorithms: [SIGNING_ALGORITHM] });
    const claims = HintClaims.safeParse(JSON.parse(new TextDecoder().decode(payload)));
    if (!claims.success || claims.data.iss !== issuer) return err('id_token_hint is not an ID token of this provider');
    return ok(claims.data);
  } catch {
    return err('id_token_hint is not an ID token of this provider');
  }
}
