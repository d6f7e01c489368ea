import { z } from '@hono/zod-openapi';
import { jsonObject, optionalString, parseJson, readAnswer, readGroups, userIdString } from '../read-answer.ts';
import { ERROR_MEMBERS, failed, failureForStatus, freshnessOf, groupsClaimMembers, violation, type Answer, type Protocol } from './protocol.ts';

/**
 * OpenID Connect Core §5.3: GET the provider's UserInfo endpoint with the token as a bearer credential.
 * Providers send no lifetime in the body, so only `Cache-Control` and the configured TTLs apply.
 */

const Claims = z.looseObject(
  {
    sub: userIdString,
    name: optionalString,
    preferred_username: optionalString,
    email: optionalString,
  },
  jsonObject,
);

const EXPECTED = '200 with UserInfo claims, 401 or 403 for a token that is not valid, or 429/5xx while failing';

export function oidcProtocol(groupsClaim: string): Protocol {
  return {
    name: 'oidc',
    members: [...new Set([...Object.keys(Claims.shape), ...groupsClaimMembers(groupsClaim), ...ERROR_MEMBERS])],
    request: (token) => ({ method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }),
    interpret(answer: Answer) {
      if (answer.status === 401 || answer.status === 403) return { kind: 'rejected', status: answer.status };
      if (answer.status !== 200) return failed(failureForStatus(answer, EXPECTED));
      const type = answer.headers.get('content-type') ?? '';
      if (/^application\/jwt\b/i.test(type)) {
        return violation('at the top level: expected JSON claims, got a signed UserInfo response (application/jwt), which Formgate does not read; configure the client for plain JSON UserInfo', answer.status);
      }
      const json = parseJson(answer.body, type);
      if (!json.ok) return violation(json.error, answer.status);
      const claims = readAnswer(Claims, json.value);
      if (!claims.ok) return violation(claims.error, answer.status);
      const groups = readGroups(claims.value, groupsClaim);
      if (!groups.ok) return violation(groups.error, answer.status);
      const { sub, name, preferred_username: username, email } = claims.value;
      const shownName = name ?? username;
      return {
        kind: 'valid',
        identity: { kind: 'person', userId: sub, groups: groups.value, scopes: [], ...(shownName === undefined ? {} : { name: shownName }), ...(email === undefined ? {} : { email }) },
        freshness: freshnessOf(answer, {}),
      };
    },
  };
}
