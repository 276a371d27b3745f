// ApplicationFailure types shared by workflows and the API, which maps them to HTTP statuses.
/** The step is not allowed at the cycle's current stage (HTTP 409). */
export const ERROR_OUT_OF_ORDER = 'OutOfOrderStep';
/** The step is allowed but its content is refused, e.g. an unsigned return commitment (HTTP 422). */
export const ERROR_INVALID_STEP = 'InvalidStep';
