import { pino } from 'pino';
import { createHostApp } from '../host.ts';
import { openApiYaml } from './document.ts';

/**
 * The host built only for its route contracts, from inert parts that no request ever reaches. Route
 * contracts do not depend on the database or the forms file, so it has every route and contract of a
 * running server.
 */
export function contractsOnlyHost() {
  const unused = async () => {
    throw new Error('the contracts-only host serves no requests');
  };
  return createHostApp({
    config: { protect: { forms: 'none', documents: 'none' }, adminGroup: 'admin', auth: { healthUrl: null, timeoutMs: 1 }, maxBodyBytes: 1 },
    database: { db: undefined as never, driver: 'pglite', migrate: unused, ping: unused, close: unused },
    forms: { list: () => [], get: () => undefined },
    logger: pino({ level: 'silent' }),
  });
}

/** The OpenAPI document without a running server: what `formgate openapi` prints and writes. */
export function openApiYamlOffline(): string {
  return openApiYaml(contractsOnlyHost());
}
