import { envName } from './names.ts';

/** One entry of a flag table, for yargs `.options()`: no `default`, so "not given" stays `undefined`. */
export interface FlagSpec {
  describe: string;
  type: 'string' | 'number' | 'array' | 'boolean';
  defaultDescription: string;
  group?: string;
}

/** The tail of a flag's description in `--help`, naming its environment twin. */
export const envHint = (flag: string): string => ` [env: ${envName(flag)}]`;
