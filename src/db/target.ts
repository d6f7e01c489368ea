/** Which database to open: `config/` reads it from `--database-url`, `connect.ts` opens it. */
export type DatabaseConfig =
  | { readonly kind: 'pglite-file'; readonly dir: string }
  | { readonly kind: 'pglite-memory' }
  | { readonly kind: 'postgres'; readonly url: string };
