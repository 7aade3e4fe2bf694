import { EmbedderFitError } from '../errors.js';
import { assertNever } from '../protocols/message.js';
import { rebuiltError, runInWorker, type WorkerTally } from '../runtime/run-in-worker.js';
import type { LsaFitReply, LsaFitRequest, LsaFitted } from './lsa-fit-protocol.js';

const ENTRY = new URL('./lsa-fit-worker.ts', import.meta.url);

const fitWorkers: WorkerTally = { running: 0 };

/** Fit workers whose thread has not stopped yet. @internal for tests */
export function fitWorkersRunning(): number {
  return fitWorkers.running;
}

/**
 * Fits an LSA model on the papers of `request.database` in a worker thread, which saves it to the
 * model store of `request.dataDir`: seconds to minutes of CPU work that leave this thread's event
 * loop free. Settles once the worker's thread has stopped, so nothing of a failed or cancelled fit
 * outlives the promise (a temporary file of the model store at most).
 * @returns the fit id of the saved model, and how many papers it was fitted on
 * @throws EmbedderFitError when the corpus has nothing to learn from
 * @throws the worker's error when it fails (the database cannot be read, say), rebuilt here with
 *   its name, message, code and stack; an `Error` when it exits without replying (out of memory)
 * @throws `signal.reason` once `signal` aborts: the worker is terminated
 */
export async function fitLsaInWorker(request: LsaFitRequest, signal?: AbortSignal): Promise<LsaFitted> {
  return fittedOf(await runInWorker<LsaFitRequest, LsaFitReply>(ENTRY, request, signal, fitWorkers));
}

/**
 * The fit a reply reports.
 * @throws EmbedderFitError for a corpus with nothing to learn from
 */
function fittedOf(reply: LsaFitReply): LsaFitted {
  switch (reply.type) {
    case 'fitted':
      return reply;
    case 'unfit':
      throw new EmbedderFitError(reply.reason, reply.documents);
    case 'failed':
      throw rebuiltError(reply);
    default:
      return assertNever(reply, 'LSA fit reply');
  }
}
