// Locates the Temporal CLI (dev server + Web UI): TEMPORAL_BIN when configured, otherwise whatever
// scripts/ensure-temporal.sh provides (PATH, .tools/bin, or a one-off build from the Go module proxy).
import type { Config } from '../../config';
import { ensuredPath } from './process';

export function resolveTemporalBinary(config: Pick<Config, 'TEMPORAL_BIN'>): string {
  return config.TEMPORAL_BIN ?? ensuredPath('ensure-temporal.sh');
}
