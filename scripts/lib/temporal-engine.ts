// The two Temporal servers the project can start itself (TEMPORAL_ENGINE): the CLI's dev server (SQLite, quick,
// Web UI) and the production server on PostgreSQL. `npm start` and the bench go through here; both give an
// address to connect to and a stop().
import path from 'node:path';
import type { Config } from '../../config';
import { resolveTemporalBinary } from './temporal-binary';
import { startTemporalDevServer } from './temporal-dev-server';
import { startTemporalServer } from './temporal-server';

export type TemporalEngine = 'dev' | 'server';

/** For messages: "Temporal dev server", "Temporal production server". */
export const ENGINE_LABEL: Record<TemporalEngine, string> = { dev: 'Temporal dev server', server: 'Temporal production server' };

export interface TemporalEngineHandle {
  engine: TemporalEngine;
  address: string;
  pid: number;
  /** the dev server's Web UI (the production server has none of its own: temporalio/ui in docker-compose) */
  uiUrl?: string;
  /** the production server's Prometheus endpoint */
  metricsUrl?: string;
  /** where its state lives, for the start-up message */
  state: string;
  stop(): Promise<void>;
}

export async function startTemporalEngine(opts: {
  engine: TemporalEngine;
  config: Pick<Config, 'TEMPORAL_BIN' | 'TEMPORAL_NAMESPACE'>;
  port: number;
  uiPort: number;
  /** dev: its SQLite file goes here; server: its dynamic config and log */
  stateDir: string;
  /** server: the PostgreSQL server (a role that may create databases) and the names of Temporal's two databases */
  postgresUrl?: string;
  database?: string;
  /** dev: extra `temporal server start-dev` arguments */
  devArgs?: string[];
  log?: (line: string) => void;
}): Promise<TemporalEngineHandle> {
  if (opts.engine === 'dev') {
    const dbFile = path.join(opts.stateDir, 'temporal.db');
    const h = await startTemporalDevServer({
      binary: resolveTemporalBinary(opts.config),
      port: opts.port,
      uiPort: opts.uiPort,
      dbFile,
      namespace: opts.config.TEMPORAL_NAMESPACE,
      extraArgs: opts.devArgs,
      log: opts.log,
    });
    return { engine: 'dev', address: h.address, pid: h.pid, uiUrl: h.uiUrl, state: `SQLite ${dbFile}`, stop: h.stop };
  }
  if (!opts.postgresUrl) throw new Error('the Temporal server engine needs a PostgreSQL server');
  const database = opts.database ?? 'temporal';
  const h = await startTemporalServer({
    postgresUrl: opts.postgresUrl,
    database,
    visibilityDatabase: `${database}_visibility`,
    port: opts.port,
    namespace: opts.config.TEMPORAL_NAMESPACE,
    stateDir: path.join(opts.stateDir, 'temporal-server'),
    log: opts.log,
  });
  return {
    engine: 'server',
    address: h.address,
    pid: h.pid,
    metricsUrl: h.metricsUrl,
    state: `PostgreSQL databases ${database}, ${database}_visibility`,
    stop: h.stop,
  };
}
