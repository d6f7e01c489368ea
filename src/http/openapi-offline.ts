import { createApp } from '../app.ts';
import { pino } from 'pino';
import { openApiYaml } from './openapi.ts';

/**
 * The OpenAPI document without a running server. Route contracts do not depend on the database or the
 * forms file, so the app is built from inert parts that no request ever reaches.
 */
export function openApiYamlOffline(): string {
  const unused = async () => {
    throw new Error('the offline app serves no requests');
  };
  const app = createApp({
    config: { protect: { forms: 'none', documents: 'none' }, auth: { url: undefined } as never, maxBodyBytes: 1 },
    database: { db: undefined as never, driver: 'pglite', migrate: unused, ping: unused, close: unused },
    forms: { list: () => [], get: () => undefined },
    logger: pino({ level: 'silent' }),
  });
  return openApiYaml(app);
}
