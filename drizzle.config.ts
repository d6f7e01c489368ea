import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the schema with `npm run db:generate` and checked in.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './src/db/migrations',
});
