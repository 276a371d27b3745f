// The API process: builds the app and listens; closes cleanly on SIGINT/SIGTERM.
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { connectDb } from '../db/client';
import { buildApp } from './app';
import { apiConnectionOptions, clientInterceptors } from './outage';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set (`npm start` provides one)');
  const { db, close } = connectDb(config.DATABASE_URL);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, ...apiConnectionOptions });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: clientInterceptors });
  const app = await buildApp({ db, temporal, config });
  await app.listen({ host: config.API_HOST, port: config.API_PORT });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping API');
    await app.close();
    await connection.close();
    await close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
