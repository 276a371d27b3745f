// A database of a run's own on a shared PostgreSQL server (the tests, the benchmarks): created afresh, so a run never
// sees an earlier one's rows, and dropped when the run ends.
import postgres from 'postgres';

async function asAdmin(serverUrl: string, statements: string[]): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    for (const sql of statements) await admin.unsafe(sql);
  } finally {
    await admin.end();
  }
}

/** Drops the database `name` of the server at `serverUrl`, sessions still on it included. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await asAdmin(serverUrl, [`drop database if exists ${name} with (force)`]);
}

/** Creates the database `name` afresh (dropping an earlier one) and answers its URL. */
export async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  await asAdmin(serverUrl, [`drop database if exists ${name} with (force)`, `create database ${name}`]);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
