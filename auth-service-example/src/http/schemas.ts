import { z } from '@hono/zod-openapi';

/** Contract pieces more than one route shares. */

export const OAuthError = z
  .object({
    error: z.string().openapi({ example: 'invalid_grant' }),
    error_description: z.string().openapi({ example: 'The user name or password is wrong.' }),
  })
  .openapi('OAuthError', { description: 'An OAuth error (RFC 6749 §5.2, RFC 6750 §3). It never repeats a credential.' });

export const Problem = z
  .object({
    type: z.string().openapi({ example: 'about:blank' }),
    title: z.string().openapi({ example: 'Unauthorized' }),
    status: z.int().openapi({ example: 401 }),
    detail: z.string(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details.' });

export const CACHE_CONTROL_HEADER = {
  'Cache-Control': {
    description: '`private, max-age=N` where N is the same as the body\'s TTL: the token\'s time left, at most 300 s.',
    schema: { type: 'string' as const },
  },
};

export const REALM = 'formgate-auth-example';
