import { z } from '@hono/zod-openapi';
import type { PrincipalKind } from '../identity.ts';
import { jsonObject, optionalString, parseJson, readAnswer, readGroups, userIdString } from '../read-answer.ts';
import { ERROR_MEMBERS, failed, failureForStatus, freshnessOf, groupsClaimMembers, violation, type Answer, type Protocol } from './protocol.ts';

/**
 * OAuth 2.0 Token Introspection (RFC 7662): POST the token form-encoded, authenticated as a client with
 * HTTP Basic. Every answer about the token is a 200; `active: false` is how a bad token is reported, and a
 * 401 or 403 means the introspection endpoint refused Formgate's own client credentials.
 *
 * The id is `sub`, else `username`, else `client_id` (§2.2). A token from the client-credentials grant has
 * no end user, so some providers send no `sub` for it; its id is then the client's, and it is a machine
 * client. Person tokens carry a `client_id` too (the app the person signed in to): it is read only when it
 * becomes the id, so an odd one in a person's token never turns their requests into 502s.
 */

const Activity = z.looseObject({ active: z.boolean({ error: 'expected true or false' }) }, jsonObject);

const optionalId = userIdString.nullish().transform((v) => v ?? undefined);

const ActiveClaims = z.looseObject({
  sub: optionalId,
  username: optionalId,
  scope: z.string({ error: 'expected a space-separated string of scopes' }).nullish().transform((v) => v ?? undefined),
  exp: z
    .number({ error: 'expected a NumericDate (seconds since 1970-01-01T00:00:00Z)' })
    .nullish()
    .transform((v) => v ?? undefined),
  name: optionalString,
  email: optionalString,
});

/** Read only when neither `sub` nor `username` gave the id. */
const ClientId = z.looseObject({ client_id: optionalId });

const NO_ID = 'at .sub: expected a non-empty string (or a non-empty .username, or for a machine client a non-empty .client_id) in an active token';

const EXPECTED = '200 with an introspection response, or 429/5xx while failing';

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export function introspectionProtocol(credentials: ClientCredentials, groupsClaim: string): Protocol {
  // RFC 6749 §2.3.1: the id and secret are form-encoded before they are joined and base64-encoded.
  const basic = Buffer.from(`${formEncode(credentials.clientId)}:${formEncode(credentials.clientSecret)}`).toString('base64');
  return {
    name: 'introspection',
    members: [...new Set([...Object.keys(Activity.shape), ...Object.keys(ActiveClaims.shape), ...Object.keys(ClientId.shape), ...groupsClaimMembers(groupsClaim), ...ERROR_MEMBERS])],
    request: (token) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}` },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
    }),
    interpret(answer: Answer) {
      if (answer.status === 401 || answer.status === 403) {
        return violation(
          `with status ${answer.status}: the introspection endpoint refused Formgate's client credentials; check --auth-client-id and --auth-client-secret`,
          answer.status,
        );
      }
      if (answer.status !== 200) return failed(failureForStatus(answer, EXPECTED));
      const json = parseJson(answer.body, answer.headers.get('content-type'));
      if (!json.ok) return violation(json.error, answer.status);
      const activity = readAnswer(Activity, json.value);
      if (!activity.ok) return violation(activity.error, answer.status);
      if (!activity.value.active) return { kind: 'rejected', status: answer.status };
      const claims = readAnswer(ActiveClaims, json.value);
      if (!claims.ok) return violation(claims.error, answer.status);
      const { sub, username, scope, exp, name, email } = claims.value;
      let userId = sub ?? username;
      let kind: PrincipalKind = 'person';
      if (userId === undefined) {
        const client = readAnswer(ClientId, json.value);
        if (!client.ok) return violation(client.error, answer.status);
        if (client.value.client_id === undefined) return violation(NO_ID, answer.status);
        userId = client.value.client_id;
        kind = 'client';
      }
      const groups = readGroups(activity.value, groupsClaim);
      if (!groups.ok) return violation(groups.error, answer.status);
      return {
        kind: 'valid',
        identity: {
          kind,
          userId,
          groups: groups.value,
          scopes: scope === undefined ? [] : scope.split(' ').filter((s) => s !== ''),
          ...(name === undefined ? {} : { name }),
          ...(email === undefined ? {} : { email }),
        },
        freshness: freshnessOf(answer, exp === undefined ? {} : { expiresAtMs: exp * 1000, expiresAtField: 'exp' }),
      };
    },
  };
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
