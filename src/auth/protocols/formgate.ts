import { z } from '@hono/zod-openapi';
import { jsonObject, optionalString, parseJson, readAnswer, seconds, stringList, timestamp, userIdString } from '../read-answer.ts';
import { ERROR_MEMBERS, failed, failureForStatus, freshnessOf, violation, type Answer, type Protocol } from './protocol.ts';

/**
 * Formgate's own protocol (openapi/auth-service.yaml): POST `{"token"}` as JSON, and a UserInfo object back.
 */

export const UserInfo = z.object(
  {
    userId: userIdString,
    name: optionalString,
    email: optionalString,
    groups: stringList,
    scopes: stringList,
    ttl: seconds,
    expiresAt: timestamp,
  },
  jsonObject,
);

const EXPECTED = '200 with a UserInfo object, 401 or 403 for a token that is not valid, or 429/5xx while failing';

export function formgateProtocol(): Protocol {
  return {
    name: 'formgate',
    members: [...Object.keys(UserInfo.shape), ...ERROR_MEMBERS],
    request: (token) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token }),
    }),
    interpret(answer: Answer) {
      if (answer.status === 401 || answer.status === 403) return { kind: 'rejected', status: answer.status };
      if (answer.status !== 200) return failed(failureForStatus(answer, EXPECTED));
      const json = parseJson(answer.body, answer.headers.get('content-type'));
      if (!json.ok) return violation(json.error, answer.status);
      const info = readAnswer(UserInfo, json.value);
      if (!info.ok) return violation(info.error, answer.status);
      const { userId, name, email, groups, scopes, ttl, expiresAt } = info.value;
      return {
        kind: 'valid',
        identity: { kind: 'person', userId, groups, scopes, ...(name === undefined ? {} : { name }), ...(email === undefined ? {} : { email }) },
        freshness: freshnessOf(answer, {
          ...(ttl === undefined ? {} : { ttlS: ttl }),
          ...(expiresAt === undefined ? {} : { expiresAtMs: Date.parse(expiresAt), expiresAtField: 'expiresAt' as const }),
        }),
      };
    },
  };
}
