import { z } from '@hono/zod-openapi';
import type { JWTPayload } from 'jose';
import type { Identity, PrincipalKind } from '../identity.ts';
import { err, ok, type Result } from '../../result.ts';
import { optionalString, readAnswer, readGroups, userIdString } from '../read-answer.ts';

/**
 * A verified token's claims as an identity. Like introspection (RFC 7662 §2.2, RFC 9068 §2.2): the id is
 * `sub`, else `client_id` for a machine client's token from the client-credentials grant. A claim that is
 * there but not as the specifications say breaks the provider's contract (502), as with the HTTP protocols.
 */

const optionalId = userIdString.nullish().transform((v) => v ?? undefined);

const Claims = z.looseObject({
  sub: optionalId,
  name: optionalString,
  preferred_username: optionalString,
  email: optionalString,
  scope: z.string({ error: 'expected a space-separated string of scopes' }).nullish().transform((v) => v ?? undefined),
  // Entra ID and Okta write scopes as `scp`: an array of them, or one space-separated string.
  scp: z
    .union([z.string(), z.array(z.string())], { error: 'expected a string or an array of strings' })
    .nullish()
    .transform((v) => v ?? undefined),
});

/** Read only when `sub` gave no id: a person's token names the app it was issued to here, which is not who they are. */
const ClientId = z.looseObject({ client_id: optionalId });

const NO_ID = 'at .sub: expected a non-empty string (or, for a machine client, a non-empty .client_id) in the token';

export function identityFromClaims(payload: JWTPayload, groupsClaim: string): Result<Identity, string> {
  const claims = readAnswer(Claims, payload);
  if (!claims.ok) return claims;
  const { sub, name, preferred_username: username, email, scope, scp } = claims.value;
  let userId = sub;
  let kind: PrincipalKind = 'person';
  if (userId === undefined) {
    const client = readAnswer(ClientId, payload);
    if (!client.ok) return client;
    if (client.value.client_id === undefined) return err(NO_ID);
    userId = client.value.client_id;
    kind = 'client';
  }
  const groups = readGroups(payload, groupsClaim);
  if (!groups.ok) return groups;
  const displayName = name ?? username;
  return ok({
    kind,
    userId,
    ...(displayName === undefined ? {} : { name: displayName }),
    ...(email === undefined ? {} : { email }),
    groups: groups.value,
    scopes: scopesOf(scope, scp),
    ...(typeof payload.iat === 'number' ? { issuedAtS: payload.iat } : {}),
  });
}

function scopesOf(scope: string | undefined, scp: string | string[] | undefined): string[] {
  const words = (s: string) => s.split(' ').filter((w) => w !== '');
  const all = [...(scope === undefined ? [] : words(scope)), ...(scp === undefined ? [] : typeof scp === 'string' ? words(scp) : scp.flatMap(words))];
  return [...new Set(all)];
}
