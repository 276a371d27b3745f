// How a workflow refuses a human step (an Update's validator or the flow that takes it): the API answers an
// out-of-order step with 409 and an invalid one with 422 naming the field. Neither is retried.
import { ApplicationFailure } from '@temporalio/workflow';
import { ERROR_INVALID_STEP, ERROR_OUT_OF_ORDER } from './contracts/errors';

/** The step is not allowed at the current stage. */
export function outOfOrder(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ERROR_OUT_OF_ORDER, message, nonRetryable: true });
}

/** The step is allowed but `field` of its content is refused. */
export function invalid(message: string, field: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ERROR_INVALID_STEP, message, details: [{ field }], nonRetryable: true });
}
