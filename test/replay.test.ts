// Determinism guard: recorded histories of the worker cycle must replay against today's workflow code.
// v1-* were recorded before the multi-year framework patches (patched() keeps them replayable); v2-* after;
// v3-* after the 'local-transitions' patch (transitions as local activities); v4-* after 'search-attributes-on-change'
// (Stage and EmployerId upserted together, only when they change) and the step Updates' small acknowledgement;
// v5-* after close-boarding no-shows (recordNoShow); v6-* after 'one-drop-out-list' and the step inbox module;
// v7-* with UI metadata (static summary and details, activity and timer summaries: user metadata on the events,
// which replay does not compare, so no patch) — older histories without it replay against today's code all the same.
// v8-* after the operator repairs: the repair workflow, a visa batch and a sailing told of a released member (behind
// 'visa-batch-members-changed', 'departure-members-changed'), a cycle released from its sailing and convoked again
// (the releaseFromSailing Update), a cycle's run after a reset (test/repairs.test.ts, RECORD_HISTORIES=v8).
// v13-* after 'stage-move-local' (a campaign's stage move counts and records in local activities; campaigns recorded
// from v12 on, test/campaign.test.ts) and 'lodge-local' (a visa batch's manifest count and lodgement likewise).
// Worker cycles and circular-framework cycles are recorded (test/worker-cycle.test.ts, test/circular.test.ts).
// Record new ones with `npm run record-histories`; never delete old ones while such cycles may still run.
// Histories recorded since payload encryption hold payloads encrypted with the development key (worker/payload-codec.ts);
// older ones are in clear, and the codec passes them through.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { bundleWorkflows } from '../worker/create-worker';
import { quietRuntime, testDataConverter } from './support';

const dir = path.resolve('test/histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.history.pb')).sort();

describe('replay of recorded histories', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(14);
  });

  it('replays every recorded history without nondeterminism', async () => {
    quietRuntime();
    const histories = files.map((f) => ({
      workflowId: f.replace(/\.history\.pb$/, ''),
      history: temporal.api.history.v1.History.decode(fs.readFileSync(path.join(dir, f))),
    }));
    const results = [];
    // the worker's own bundle: workflows/ with its workflow interceptors (request IDs, tracing), which must not change
    // what any recorded history commands
    const workflowBundle = await bundleWorkflows();
    for await (const r of Worker.runReplayHistories({ workflowBundle, replayName: 'gecco-replay', dataConverter: testDataConverter }, histories)) results.push(r);
    const failures = results.filter((r) => r.error).map((r) => `${r.workflowId}: ${String(r.error)}`);
    expect(failures).toEqual([]);
    expect(results).toHaveLength(files.length);
  }, 120_000);
});
