import { envHint, type FlagSpec } from './flag-spec.ts';

const G_WEB = 'Web client:';
// The API half's switch and, for a web client without it, where the API is: read with the web client's flags.
const G_HALVES = 'Which halves run:';

/** The halves this process runs, and the web client's flags: its API, its forms, where people reach it, sign-in, its cookies' keys. */
export const WEB_FLAGS = {
  ui: {
    describe: 'serve the web client at /; --no-ui serves the API alone' + envHint('ui'),
    type: 'boolean',
    defaultDescription: 'true',
    group: G_HALVES,
  },
  api: {
    describe: 'serve the API under /api/v1; --no-api runs the web client alone and needs --api-url' + envHint('api'),
    type: 'boolean',
    defaultDescription: 'true',
    group: G_HALVES,
  },
  'api-url': {
    describe: "the API's base URL for a web client without one of its own (--no-api), e.g. http://formgate-api:8080" + envHint('api-url'),
    type: 'string',
    defaultDescription: 'unset',
    group: G_HALVES,
  },
  'api-timeout': {
    describe: 'with --api-url: the longest one API request may take to answer, in milliseconds' + envHint('api-timeout'),
    type: 'string',
    defaultDescription: '10000',
    group: G_HALVES,
  },
  'ui-forms': {
    describe: 'the only forms this web client offers, comma-separated; the others are 404 here and stay in the API' + envHint('ui-forms'),
    type: 'string',
    defaultDescription: 'all',
    group: G_WEB,
  },
  'ui-issuer': {
    describe: 'OpenID provider for sign-in (its discovery document); unset: no sign-in, only what anonymous callers may do' + envHint('ui-issuer'),
    type: 'string',
    defaultDescription: 'unset',
    group: G_WEB,
  },
  'ui-client-id': {
    describe: "the web client's OAuth 2.0 client id at --ui-issuer" + envHint('ui-client-id'),
    type: 'string',
    defaultDescription: 'unset',
    group: G_WEB,
  },
  'ui-client-secret': {
    describe: "the web client's client secret (prefer --ui-client-secret-file)" + envHint('ui-client-secret'),
    type: 'string',
    defaultDescription: 'unset',
    group: G_WEB,
  },
  'ui-client-secret-file': {
    describe: 'file holding the client secret, read at each token request (rotation needs no restart)' + envHint('ui-client-secret-file'),
    type: 'string',
    defaultDescription: 'unset',
    group: G_WEB,
  },
  'ui-public-url': {
    describe: 'the origin people reach the web client at: the redirect URI base; https makes the cookies Secure' + envHint('ui-public-url'),
    type: 'string',
    defaultDescription: 'http://<host>:<port>',
    group: G_WEB,
  },
  'ui-session-secret': {
    describe:
      'secret(s) of at least 32 characters sealing the session cookie; repeatable or comma-separated, the first seals, all open' +
      envHint('ui-session-secret'),
    type: 'string',
    defaultDescription: 'unset (a random key per process; needed for sign-in)',
    group: G_WEB,
  },
  'ui-session-secret-file': {
    describe: 'file with one session secret per line (the first seals), read at startup' + envHint('ui-session-secret-file'),
    type: 'string',
    defaultDescription: 'unset',
    group: G_WEB,
  },
} as const satisfies Record<string, FlagSpec>;
