import type { AuthConfig } from '../settings.ts';
import { formgateProtocol } from './formgate.ts';
import { introspectionProtocol } from './introspection.ts';
import { oidcProtocol } from './oidc.ts';
import type { Protocol } from './protocol.ts';

export type { Answer, OutgoingRequest, Protocol } from './protocol.ts';

/** The HTTP protocol `--auth-protocol` names, set up from the rest of the auth configuration. */
export function protocolFor(auth: Pick<AuthConfig, 'protocol' | 'groupsClaim' | 'clientId' | 'clientSecret'>): Protocol {
  switch (auth.protocol) {
    case 'formgate':
      return formgateProtocol();
    case 'oidc':
      return oidcProtocol(auth.groupsClaim);
    case 'introspection':
      // resolveConfig refuses introspection without both credentials.
      return introspectionProtocol({ clientId: auth.clientId ?? '', clientSecret: auth.clientSecret ?? '' }, auth.groupsClaim);
    case 'jwt':
      // The identity client picks the jwt checker, which asks no endpoint about a token.
      throw new Error('--auth-protocol jwt makes no call per token');
  }
}
