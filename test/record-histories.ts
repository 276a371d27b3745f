// Recording the histories of coordination workflows (visa batches, sailings, campaigns) for test/replay.test.ts: set
// RECORD_HISTORIES=<version> when running test/visa-batches.test.ts, test/departures.test.ts or test/campaign.test.ts, then copy
// .data/histories/<version>-*.history.pb into test/histories/. Histories are kept as the server stores them: payloads
// encrypted with the tests' development key, which the replay test's codec decrypts.
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestStack } from './support';

export async function recordHistories(stack: TestStack, workflows: { name: string; workflowId: string }[]): Promise<void> {
  const version = process.env.RECORD_HISTORIES;
  if (!version) return;
  fs.mkdirSync('.data/histories', { recursive: true });
  for (const w of workflows) {
    const history = await stack.client.workflow.getHandle(w.workflowId).fetchHistory();
    fs.writeFileSync(path.join('.data/histories', `${version}-${w.name}.history.pb`), temporal.api.history.v1.History.encode(history).finish());
  }
}
