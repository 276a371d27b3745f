// How the worker and the API reach the Temporal frontend: plain gRPC (development, tests), or TLS once any
// TEMPORAL_TLS_* file is set, with this process's client certificate when the frontend requires one (docker-compose:
// mutual TLS, certificates from scripts/compose/make-certs.sh).
import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { Config } from '../config';

export type TemporalConnectionSettings = Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY'>;

function read(setting: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${setting}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** What NativeConnection.connect (worker) and Connection.connect (client) both take: the address and TLS. */
export function temporalConnectionOptions(config: TemporalConnectionSettings): { address: string; tls?: TLSConfig } {
  const { TEMPORAL_ADDRESS: address, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key } = config;
  if (!ca && !cert) return { address };
  // read once at start: a renewed certificate takes a restart
  const tls: TLSConfig = {};
  if (ca) tls.serverRootCACertificate = read('TEMPORAL_TLS_CA', ca);
  if (cert && key) tls.clientCertPair = { crt: read('TEMPORAL_TLS_CERT', cert), key: read('TEMPORAL_TLS_KEY', key) };
  return { address, tls };
}
