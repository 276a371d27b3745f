// The retention rule's Temporal Schedule: every night at 02:30 (Casablanca), one run of retentionWorkflow, never two
// at once. The worker process creates it at boot; an existing schedule is left as it is (an operator may have paused
// it or changed its time in the Temporal UI).
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { RETENTION_SUMMARY } from '../workflows/contracts/explain';
import { RETENTION_SCHEDULE_ID, RETENTION_TASK_QUEUE, RETENTION_WORKFLOW_ID, RETENTION_WORKFLOW_TYPE } from '../workflows/contracts/retention';

export async function ensureRetentionSchedule(client: Client): Promise<'created' | 'exists'> {
  try {
    await client.schedule.create({
      scheduleId: RETENTION_SCHEDULE_ID,
      spec: { calendars: [{ hour: 2, minute: 30, comment: 'nightly retention rule' }], timezone: 'Africa/Casablanca' },
      action: { type: 'startWorkflow', workflowType: RETENTION_WORKFLOW_TYPE, workflowId: RETENTION_WORKFLOW_ID, taskQueue: RETENTION_TASK_QUEUE, args: [], staticSummary: RETENTION_SUMMARY },
      // a night missed while the cluster was down is run when it is back within a day
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      memo: { purpose: 'anonymise candidates never selected after RETENTION_UNSELECTED' },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}
