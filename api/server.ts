// The API process: builds the app and listens; closes cleanly on SIGINT/SIGTERM.
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { connectDb } from '../db/client';
import nodemailer from 'nodemailer';
import { buildApp } from './app';
import { apiConnectionOptions, clientInterceptorsWith } from './outage';
import { dataConverterFrom } from '../worker/payload-codec';
import { temporalConnectionOptions } from '../worker/temporal-connection';
import { startTracing } from '../worker/tracing';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set (`npm start` provides one)');
  // off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: a span per request, its trace context sent on to the workflows
  const tracing = startTracing(config, 'gecco-flow-api');
  // step records go to the cycles' histories and query answers come back encrypted: the same codec as the worker
  const dataConverter = dataConverterFrom(config);
  const { db, close } = connectDb(config.DATABASE_URL);
  const connection = await Connection.connect({ ...temporalConnectionOptions(config), ...apiConnectionOptions });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: clientInterceptorsWith(tracing), dataConverter });
  // the API mails only rare escalations (a worker the agency cannot reach): a plain transport, not the worker's pool
  const mailer = nodemailer.createTransport({ host: config.SMTP_HOST, port: config.SMTP_PORT, secure: false, ignoreTLS: true });
  const app = await buildApp({ db, temporal, config, mailer, ...(tracing ? { tracer: tracing.tracer } : {}) });
  await app.listen({ host: config.API_HOST, port: config.API_PORT });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping API');
    await app.close();
    await connection.close();
    await close();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
