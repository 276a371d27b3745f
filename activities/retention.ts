// The retention rule's activity: anonymises one batch of candidates never selected whose retention period has
// passed (db/queries/erasure.ts). Idempotent: an erased person is never found again, and each erasure is its own
// transaction, so a retried batch continues where the last one stopped.
import { dataProtectionSettings } from '../config';
import { anonymiseExpiredBatch } from '../db/queries/erasure';
import type { RetentionBatch } from '../workflows/contracts/retention';
import type { ActivityDeps } from './deps';

export function createRetentionActivities({ db, config }: Pick<ActivityDeps, 'db' | 'config'>) {
  const settings = dataProtectionSettings(config);
  return {
    async anonymiseExpiredCandidates(): Promise<RetentionBatch> {
      return anonymiseExpiredBatch(db, settings);
    },
  };
}

export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
