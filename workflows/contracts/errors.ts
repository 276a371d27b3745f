// ApplicationFailure types shared by workflows and the API, which maps them to HTTP statuses.
/** The step is not allowed at the cycle's current stage (HTTP 409). */
export const ERROR_OUT_OF_ORDER = 'OutOfOrderStep';
/** The step is allowed but its content is refused, e.g. an unsigned return commitment (HTTP 422). */
export const ERROR_INVALID_STEP = 'InvalidStep';
/**
 * An activity's data was refused by PostgreSQL (NUL byte, value out of range, …): no retry can succeed, so the
 * activity fails at once with this type (worker/activity-interceptors.ts) and an Update answers it (HTTP 422).
 */
export const ERROR_UNSTORABLE_DATA = 'UnstorableData';
/**
 * Temporal's failure type for an Update it dropped because no worker processed it (parallel Updates, a worker
 * restart): nothing was applied, so it is sent again, never taken as the workflow's refusal.
 */
export const UNPROCESSED_UPDATE = 'UnprocessedUpdate';
