/** What every resolver reads: the parsed flags and the environment (and, for `serve`, the forms default). */
export interface ConfigInput {
  /** Parsed CLI flags (yargs output): kebab-case or camelCase keys; `undefined` = not given. */
  flags: Record<string, unknown>;
  /** The environment (e.g. `process.env`); only `FORMGATE_*` keys are read. */
  env: Record<string, string | undefined>;
  /** `./forms.yaml` if it exists, else `examples/forms.yaml` — resolved by the caller. */
  defaultFormsPath: string;
}

/** One value as given, and where it came from (a message names the environment variable it came from). */
export interface Raw {
  value: string;
  source: 'flag' | 'env';
}
