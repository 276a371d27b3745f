import { defineConfig } from 'drizzle-kit';

// Only generation runs through drizzle-kit; migrations are applied by db/migrate.ts on start.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './db/migrations',
});
