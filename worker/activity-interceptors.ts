// Every activity of the worker runs through these, so each rule is written once, not in each activity:
// - Crash-aware: an activity scheduled with a heartbeatTimeout heartbeats while it runs, so when the worker
//   process dies its work is retried elsewhere within that timeout (seconds), not after its start-to-close
//   timeout (minutes). Heartbeats carry no details: no activity resumes from them.
// - Poison data fails at once: a PostgreSQL error that no retry can fix (NUL byte, value out of range, …) becomes
//   a non-retryable ApplicationFailure of type ERROR_UNSTORABLE_DATA, instead of being retried forever.
// - No personal data in histories: a failed query's message (Drizzle puts every parameter value in it) is
//   replaced by its SQLSTATE, message and SQL before Temporal records the failure in clear.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, Next } from '@temporalio/worker';
import { dbCause, describeDbError, isPermanentDbError } from '../db/errors';
import { ERROR_UNSTORABLE_DATA } from '../workflows/contracts/errors';

/** Heartbeats per heartbeat timeout: one lost or late heartbeat does not time the activity out. */
const HEARTBEATS_PER_TIMEOUT = 3;

/** The error an activity's caller (and the history) sees for a database error: no values, retryable or not. */
export function safeActivityError(err: unknown): unknown {
  if (!dbCause(err)) return err;
  const message = describeDbError(err) ?? 'database error';
  const code = dbCause(err)?.code;
  if (isPermanentDbError(err)) {
    return ApplicationFailure.create({ type: ERROR_UNSTORABLE_DATA, message, nonRetryable: true, details: [{ sqlstate: code }] });
  }
  // retryable (connection lost, unique race…): the same error without its values
  return ApplicationFailure.create({ type: 'DatabaseError', message, nonRetryable: false, details: [{ sqlstate: code }] });
}

class CrashAwareActivity implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const timeoutMs = this.ctx.info.isLocal ? undefined : this.ctx.info.heartbeatTimeoutMs;
    const beat = timeoutMs ? setInterval(() => this.ctx.heartbeat(), Math.max(100, Math.floor(timeoutMs / HEARTBEATS_PER_TIMEOUT))) : undefined;
    try {
      return await next(input);
    } catch (err) {
      throw safeActivityError(err);
    } finally {
      if (beat) clearInterval(beat);
    }
  }
}

export const activityInterceptors: ActivityInterceptorsFactory = (ctx) => ({ inbound: new CrashAwareActivity(ctx) });
