// One sailing (Tanger Ville -> Tarifa): convoke the passengers, follow the embarkation files, then when the port
// closes boarding (at the latest at departure time + grace) record the no-shows and close. Per-worker steps go
// through bulk operations (rows in PostgreSQL), so the history holds one signal and one activity per embarkation
// file, never one event per worker.
import { ApplicationFailure, condition, patched, proxyActivities, setCurrentDetails, setHandler, sleep } from '@temporalio/workflow';
import { heartbeating } from './activity-options';
import { whenText } from './contracts/explain';
import { msToNumber } from '@temporalio/common/lib/time';
import type { DepartureActivities } from '../activities';
import { bulkOperationDoneSignal } from './contracts/bulk';
import { membersChangedSignal } from './contracts/repair';
import { ERROR_INVALID_STEP, ERROR_OUT_OF_ORDER } from './contracts/errors';
import {
  closeBoardingUpdate,
  departureStateQuery,
  embarkationsRecordedSignal,
  type DepartureCounts,
  type DepartureInput,
  type DepartureState,
} from './contracts/departure';

// heartbeatTimeout: the worker heartbeats while they run (worker/activity-interceptors.ts), so a killed worker's
// convocations are retried within seconds
const { convokeDeparture, departureProgress, recordNoShows, closeDeparture } = proxyActivities<DepartureActivities>(heartbeating('2 minutes', '15 seconds'));

const MAX_POLL_MS = 60_000;
/** How long a bulk operation of the sailing is waited for before the sailing goes on without its end. */
const BULK_WAIT = '1 day';

export async function departureWorkflow(input: DepartureInput): Promise<DepartureCounts> {
  const closesAtMs = Date.parse(input.departureAt) + msToNumber(input.embarkationGrace);
  const basePollMs = msToNumber(input.progressPollInterval ?? '2s');
  const state: DepartureState = {
    departureId: input.departureId,
    campaignId: input.campaignId,
    departureAt: input.departureAt,
    port: input.port,
    destination: input.destination,
    status: 'planned',
    closesAt: new Date(closesAtMs).toISOString(),
    embarkationOperationIds: [],
    counts: { seats: 0, convoked: 0, embarked: 0, noShow: 0 },
    convocationsRefused: 0,
  };
  const signalled: string[] = []; // embarkation files not yet looked at (polling path)
  setHandler(departureStateQuery, () => state);
  setHandler(embarkationsRecordedSignal, ({ operationId }) => {
    // A reloaded file signals the same operation again: count it once.
    if (state.embarkationOperationIds.includes(operationId)) return;
    state.embarkationOperationIds.push(operationId);
    signalled.push(operationId);
  });
  setHandler(
    closeBoardingUpdate,
    ({ closedBy }) => {
      state.boardingClosed = { by: closedBy, at: new Date(Date.now()).toISOString() };
      return state;
    },
    {
      validator: ({ closedBy }) => {
        const refuse = (message: string, type = ERROR_OUT_OF_ORDER) => {
          throw ApplicationFailure.create({ type, message, nonRetryable: true });
        };
        if (typeof closedBy !== 'string' || closedBy.length === 0) refuse('closedBy: who closes boarding is required', ERROR_INVALID_STEP);
        if (state.status === 'planned') refuse('the passengers are not convoked yet');
        if (state.status === 'departed') refuse(`the sailing has left (closed at ${state.closesAt})`);
        if (state.boardingClosed) refuse(`boarding was closed by ${state.boardingClosed.by} at ${state.boardingClosed.at}`);
      },
    },
  );

  // Since 'departure-bulk-done-signal' each bulk operation of the sailing signals its end (bulkOperationDoneSignal)
  // and the workflow waits for that; older histories poll departureProgress instead (kept below as it was).
  const finishedOperations = new Set<string>();
  setHandler(bulkOperationDoneSignal, ({ operationId }) => {
    finishedOperations.add(operationId);
  });
  // An operator released a passenger (api/routes/repairs.ts): the passengers are rows, so the sailing counts again.
  // Behind a patch: a history in which this signal reached code without the handler replays without acting on it.
  let passengersChanged = false;
  setHandler(membersChangedSignal, () => {
    if (patched('departure-members-changed')) passengersChanged = true;
  });
  const waitsForBulkSignal = patched('departure-bulk-done-signal');
  const notify = waitsForBulkSignal ? { notify: true } : {};

  /** The Temporal UI's current details: what the sailing does now, and its counts (no personal data). */
  function explain(doing: string): void {
    const c = state.counts;
    setCurrentDetails(
      `${doing}\n\nSailing ${input.departureId} · ${input.port} → ${input.destination}, ${whenText(input.departureAt)} · campaign ${input.campaignId} · ` +
        `${state.status} · seats ${c.seats}, convoked ${c.convoked}, embarked ${c.embarked}, no-shows ${c.noShow} · ${state.embarkationOperationIds.length} embarkation files`,
    );
  }
  const closingWait = () =>
    state.boardingClosed
      ? `**Boarding closed** by the port: waiting for the embarkation files already loaded to be applied (at the latest until ${whenText(closesAtMs)}), then the passengers not aboard are recorded as no-shows.`
      : `**Following the embarkation files** until boarding closes, at the latest ${whenText(closesAtMs)} (departure + grace), then the passengers not aboard are recorded as no-shows.`;

  // 1. Convocations: one bulk operation for all passengers (each cycle sends its own letter and e-mail).
  explain('Convoking the passengers (one bulk operation).');
  const convocation = await convokeDeparture.executeWithOptions({ summary: 'passengers convoked (bulk operation)' }, [{ departureId: input.departureId, recordedBy: input.createdBy, ...notify }]);
  state.convocationOperationId = convocation.operationId;
  state.status = 'convoked';
  state.counts = { ...state.counts, seats: convocation.seats, convoked: convocation.passengers };

  if (waitsForBulkSignal) await followBySignals(convocation.operationId);
  else await followByPolling();

  async function refreshCounts(): Promise<void> {
    state.counts = (await departureProgress.executeWithOptions({ summary: 'embarkation counts' }, [{ departureId: input.departureId, operationIds: [] }])).counts;
  }

  // 2-3. Until boarding closes or departure + grace, each applied embarkation file refreshes the counts; boarding
  // closed early: each passenger not aboard is told now (one bulk operation), not at departure + grace.
  async function followBySignals(convocationOperationId: string): Promise<void> {
    const embarkationsRunning = () => state.embarkationOperationIds.some((op) => !finishedOperations.has(op));
    for (;;) {
      const remaining = closesAtMs - Date.now();
      if (remaining <= 0) break;
      const closing = state.boardingClosed !== undefined;
      if (closing && !embarkationsRunning()) break;
      const finished = finishedOperations.size;
      explain(closingWait());
      await condition(() => finishedOperations.size > finished || passengersChanged || (!closing && state.boardingClosed !== undefined), remaining, { summary: 'deadline: boarding closes (departure + grace)' });
      if (closesAtMs - Date.now() <= 0) break;
      if (finishedOperations.size > finished || passengersChanged) {
        passengersChanged = false;
        await refreshCounts();
      }
    }
    if (!state.boardingClosed) return;
    explain(`**Boarding closed: waiting for the convocations to be applied** (at most ${BULK_WAIT}), then the passengers not aboard are recorded as no-shows.`);
    await condition(() => finishedOperations.has(convocationOperationId), BULK_WAIT, { summary: 'convocations applied (at most 1 day)' });
    const noShows = await recordNoShows.executeWithOptions({ summary: 'no-shows recorded (bulk operation)' }, [{ departureId: input.departureId, closedBy: state.boardingClosed!.by, notify: true }]);
    if (!noShows.operationId) return;
    state.noShowOperationId = noShows.operationId;
    explain(`**Waiting for the no-shows to be applied** (at most ${BULK_WAIT}); each no-show's post is refilled.`);
    await condition(() => finishedOperations.has(noShows.operationId!), BULK_WAIT, { summary: 'no-shows applied (at most 1 day)' });
    await refreshCounts();
  }

  async function followByPolling(): Promise<void> {
    let running: string[] = []; // embarkation files still being applied
    let pollMs = basePollMs;
    for (;;) {
      const remaining = closesAtMs - Date.now();
      if (remaining <= 0) break;
      // boarding closed: the files already loaded are applied before anyone is called a no-show
      const closing = state.boardingClosed !== undefined;
      if (closing && running.length === 0 && signalled.length === 0) break;
      const wait = running.length ? Math.min(pollMs, remaining) : remaining;
      explain(closingWait());
      await condition(() => signalled.length > 0 || (!closing && state.boardingClosed !== undefined), wait);
      if (closesAtMs - Date.now() <= 0) break;
      const ops = [...running, ...signalled.splice(0)];
      if (ops.length === 0) continue;
      const progress = await departureProgress({ departureId: input.departureId, operationIds: ops });
      state.counts = progress.counts;
      running = progress.running;
      pollMs = running.length && !closing ? Math.min(pollMs * 2, MAX_POLL_MS) : basePollMs;
    }
    if (!state.boardingClosed) return;
    const noShows = await recordNoShows({ departureId: input.departureId, closedBy: state.boardingClosed.by });
    if (!noShows.operationId) return;
    state.noShowOperationId = noShows.operationId;
    for (;;) {
      const progress = await departureProgress({ departureId: input.departureId, operationIds: [noShows.operationId] });
      state.counts = progress.counts;
      if (progress.running.length === 0) break;
      await sleep(basePollMs);
    }
  }

  // 4. The sailing has left: whoever has not embarked is a no-show (each cycle closes itself as no_show).
  explain('Closing the sailing: whoever has not embarked is a no-show.');
  const closed = await closeDeparture.executeWithOptions({ summary: 'sailing closed: departed' }, [{ departureId: input.departureId }]);
  state.counts = closed.counts;
  state.convocationsRefused = closed.convocationsRefused;
  state.status = 'departed';
  explain('**Departed.**');
  return closed.counts;
}
