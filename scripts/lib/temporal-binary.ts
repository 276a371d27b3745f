// Locates the Temporal CLI (dev server + Web UI): TEMPORAL_BIN when configured, otherwise whatever
// scripts/ensure-temporal.sh provides (PATH, .tools/bin, or a one-off build from the Go module proxy).
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { projectRoot, type Config } from '../../config';

export function resolveTemporalBinary(config: Pick<Config, 'TEMPORAL_BIN'>): string {
  if (config.TEMPORAL_BIN) return config.TEMPORAL_BIN;
  const out = execFileSync('bash', [path.join(projectRoot, 'scripts', 'ensure-temporal.sh')], {
    cwd: projectRoot,
    encoding: 'utf8',
    // stderr inherited so a first-run build shows its progress
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const binary = out.trim().split('\n').pop()?.trim();
  if (!binary) throw new Error('scripts/ensure-temporal.sh printed no Temporal CLI path');
  return binary;
}
