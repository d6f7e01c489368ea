import { createApp } from '../app.ts';
import { pino } from 'pino';
import { openApiYaml } from './openapi.ts';

/**
 * The app built from inert parts that no request ever reaches. Route contracts do not depend on the
 * database or the forms file, so this app has every route and contract of a running server.
 */
export function offlineApp() {
  const unused = async () => {
    throw new Error('the offline app serves no requests');
  };
  return createApp({
    config: { protect: { forms: 'none', documents: 'none' }, adminGroup: 'admin', auth: { healthUrl: null, timeoutMs: 1 }, maxBodyBytes: 1 },
    database: { db: undefined as never, driver: 'pglite', migrate: unused, ping: unused, close: unused },
    forms: { list: () => [], get: () => undefined },
    logger: pino({ level: 'silent' }),
  });
}

/** The OpenAPI document without a running server: what `formgate openapi` prints and writes. */
export function openApiYamlOffline(): string {
  return openApiYaml(offlineApp());
}
