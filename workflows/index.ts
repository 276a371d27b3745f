// Entry point bundled for the Temporal worker: every workflow type is exported from here.
export { workerCycleWorkflow } from './worker-cycle';
export { bulkOperationWorkflow } from './bulk-operation';
export { campaignWorkflow } from './campaign';
export { departureWorkflow } from './departure';
export { visaBatchWorkflow } from './visa-batch';
export { retentionWorkflow } from './retention';
export { repairWorkflow } from './repair';
export { inSeasonCaseWorkflow } from './in-season-case';
