import { Worker } from 'node:worker_threads';
import { EmbedderFitError } from '../errors.js';
import { assertNever } from '../protocols/message.js';
import type { LsaFitFailed, LsaFitReply, LsaFitRequest, LsaFitted } from './lsa-fit-protocol.js';

const BOOTSTRAP = new URL('./typescript-worker.mjs', import.meta.url);
const ENTRY = new URL('./lsa-fit-worker.ts', import.meta.url);

let running = 0;

/** Fit workers whose thread has not stopped yet. @internal for tests */
export function fitWorkersRunning(): number {
  return running;
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
  signal?.throwIfAborted();
  const worker = new Worker(BOOTSTRAP, { workerData: { entry: ENTRY.href, request } });
  running++;
  // Registered first, so the count is down before `terminate()` resolves and the fit settles.
  worker.once('exit', () => running--);
  return new Promise<LsaFitted>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate().then(outcome, outcome);
    };
    const onAbort = () => settle(() => reject(signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (reply: LsaFitReply) => {
      let fitted: LsaFitted;
      try {
        fitted = fittedOf(reply);
      } catch (error) {
        return settle(() => reject(error));
      }
      settle(() => resolve(fitted));
    });
    worker.on('messageerror', (error) => settle(() => reject(error)));
    worker.on('error', (error: unknown) => settle(() => reject(error instanceof Error ? error : new Error('the LSA fit worker failed', { cause: error }))));
    worker.on('exit', (code) => settle(() => reject(new Error(`the LSA fit worker exited with code ${code} before replying`))));
  });
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
      throw rebuilt(reply);
    default:
      return assertNever(reply, 'LSA fit reply');
  }
}

/** The worker's error on this thread: an `Error` with its name, message, code and stack, not its class. */
function rebuilt(failure: LsaFitFailed): Error {
  const error = new Error(failure.message);
  error.name = failure.name;
  if (failure.code !== undefined) Object.assign(error, { code: failure.code });
  if (failure.stack !== undefined) error.stack = failure.stack;
  return error;
}
