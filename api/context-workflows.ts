// Messages from the API to a context's workflow (visa batch, departure), with one answer when it has closed.
import type { Client } from '@temporalio/client';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { conflict, workflowClosed } from './errors';

/** A signal the workflow may no longer need (it closed): logged and dropped; the rows carry the facts anyway. */
export async function signalIfOpen<A>(
  temporal: Client,
  workflowId: string,
  signal: SignalDefinition<[A]>,
  arg: A,
  log: { warn: (o: object, m: string) => void },
): Promise<void> {
  try {
    await temporal.workflow.getHandle(workflowId).signal(signal, arg);
  } catch (err) {
    if (!workflowClosed(err)) throw err;
    log.warn({ workflowId, signal: signal.name }, 'workflow closed: signal not delivered');
  }
}

/**
 * An Update to the context's workflow; a closed workflow answers 409 with `closedMessage`. Out-of-order (409)
 * and invalid (422) refusals are mapped by the app's error handler.
 */
export async function updateOr409<R, A>(
  temporal: Client,
  workflowId: string,
  update: UpdateDefinition<R, [A]>,
  arg: A,
  closedMessage: string,
  updateId?: string,
): Promise<R> {
  try {
    return await temporal.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg], ...(updateId ? { updateId } : {}) });
  } catch (err) {
    if (workflowClosed(err)) throw conflict(closedMessage);
    throw err;
  }
}
