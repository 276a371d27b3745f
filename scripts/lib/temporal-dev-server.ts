// Runs `temporal server start-dev` as a child process (SQLite persistence, Web UI) for development and tests.
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DECLARATIONS } from '../../workflows/contracts/search-attributes';

export interface TemporalDevServerHandle {
  /** host:port of the front-end gRPC service */
  address: string;
  uiUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export interface TemporalDevServerOptions {
  binary: string;
  port: number;
  uiPort: number;
  /** SQLite file for persistent state; omitted = in-memory (lost on exit) */
  dbFile?: string;
  namespace: string;
  extraArgs?: string[];
  log?: (line: string) => void;
  /** how long to wait for the front end to answer (default 60 s) */
  readyTimeoutMs?: number;
}

const IP = '127.0.0.1';

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** Resolves true when nothing listens on host:port (we can bind it ourselves). */
function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

export async function startTemporalDevServer(opts: TemporalDevServerOptions): Promise<TemporalDevServerHandle> {
  const log = opts.log ?? (() => {});
  const address = `${IP}:${opts.port}`;
  const uiUrl = `http://${IP}:${opts.uiPort}`;

  // Without this check the readiness probe below could be answered by some other server already on the port.
  for (const [what, port] of [['gRPC', opts.port], ['Web UI', opts.uiPort]] as const) {
    if (!(await portIsFree(IP, port))) {
      throw new Error(
        `cannot start the Temporal dev server: ${what} port ${IP}:${port} is already in use ` +
          '(another Temporal server? point TEMPORAL_ADDRESS at it with TEMPORAL_ENGINE=external, or choose other ports)',
      );
    }
  }

  const args = [
    'server', 'start-dev',
    '--ip', IP,
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    '--sqlite-pragma', 'journal_mode=WAL',
    '--log-level', 'warn',
  ];
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
    args.push('--db-filename', path.resolve(opts.dbFile));
  }
  // "default" is always created by start-dev; other namespaces must be requested.
  if (opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_DECLARATIONS)) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  args.push(...(opts.extraArgs ?? []));

  log(`starting Temporal dev server: ${opts.binary} ${args.join(' ')}`);
  // Own process group: a Ctrl-C in the terminal reaches only our parent, which then stops things in order
  // (workers before the server they poll) instead of everything dying at once.
  const child = spawn(opts.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  // Last resort if the parent exits without calling stop() (crash, process.exit in a test): don't leave it running.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));

  // Keep the first and last output lines so a failed start can say why (a CLI usage error prints the reason,
  // then the whole help text).
  const head: string[] = [];
  const tail: string[] = [];
  // Once we have asked it to stop, its shutdown chatter (dial errors, poll failures) is noise.
  let stopping = false;
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      const trimmed = line.trim();
      if (!trimmed) continue;
      if (head.length < 5) head.push(trimmed);
      else {
        tail.push(trimmed);
        if (tail.length > 20) tail.shift();
      }
      if (!stopping) log(trimmed);
    }
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);

  let exited: string | undefined;
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  child.once('exit', (code, signal) => {
    exited = signal ? `signal ${signal}` : `code ${code}`;
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || spawnError) return;
    stopping = true;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 10_000))) {
      log('Temporal dev server did not exit within 10 s of SIGTERM; sending SIGKILL');
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    }
  };

  const failed = (why: string): Error => {
    const output = [...head, ...(tail.length ? ['...', ...tail] : [])];
    return new Error(`Temporal dev server ${why}${output.length ? `; output:\n  ${output.join('\n  ')}` : ''}`);
  };

  const started = Date.now();
  const deadline = started + (opts.readyTimeoutMs ?? 60_000);
  let lastError: unknown;
  for (;;) {
    if (spawnError) throw failed(`could not be spawned (${spawnError.message})`);
    if (exited) throw failed(`exited during start-up (${exited})`);
    if (Date.now() > deadline) {
      await stop();
      throw failed(`not ready after ${Math.round((Date.now() - started) / 1000)} s (${String(lastError)})`);
    }
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.describeNamespace({ namespace: opts.namespace });
      if (exited) throw failed(`exited during start-up (${exited})`);
      log(`Temporal dev server ready at ${address} after ${Date.now() - started} ms`);
      return { address, uiUrl, pid: child.pid ?? -1, stop };
    } catch (err) {
      if (exited) throw failed(`exited during start-up (${exited})`);
      lastError = err instanceof Error ? err.message : err;
      await delay(250);
    } finally {
      await connection?.close().catch(() => {});
    }
  }
}
