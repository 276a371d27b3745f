import path from 'node:path';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { projectRoot } from '../config';
import { connectDb } from './client';

export const migrationsFolder = path.join(projectRoot, 'db', 'migrations');

/** Applies the committed drizzle-kit migrations; safe to run on every start. */
export async function applyMigrations(url: string): Promise<void> {
  const handle = connectDb(url, { max: 1 });
  try {
    await migrate(handle.db, { migrationsFolder });
  } finally {
    await handle.close();
  }
}
