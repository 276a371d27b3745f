// Small process and port helpers shared by `npm start`, the test setup and the bench.
import net from 'node:net';
import path from 'node:path';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { projectRoot } from '../../config';

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves true when the child has exited (or already had), false after `ms`. */
export function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Runs one of the project's scripts/ensure-*.sh and answers the path it prints last. Its stderr is shown: a first
 * run may build the tool and prints its progress.
 */
export function ensuredPath(script: string): string {
  const out = execFileSync('bash', [path.join(projectRoot, 'scripts', script)], { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const found = out.trim().split('\n').pop()?.trim();
  if (!found) throw new Error(`scripts/${script} printed no path`);
  return found;
}
