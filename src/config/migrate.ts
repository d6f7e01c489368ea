import { LOG_LEVELS } from '../logger.ts';
import type { Result } from '../result.ts';
import { database } from './database.ts';
import { attempt, type ConfigError } from './errors.ts';
import type { ConfigInput } from './input.ts';
import { reader } from './reader.ts';
import type { Config } from './serve.ts';
import { choice } from './values.ts';

/** The part of the configuration `formgate migrate` needs: it must not trip over flags only `serve` reads. */
export type MigrateConfig = Pick<Config, 'database' | 'logLevel'>;

export function resolveMigrateConfig(input: Omit<ConfigInput, 'defaultFormsPath'>): Result<MigrateConfig, ConfigError> {
  return attempt(() => {
    const r = reader(input.flags, input.env);
    return { database: database(r), logLevel: choice(r, 'log-level', LOG_LEVELS, 'info') };
  });
}
