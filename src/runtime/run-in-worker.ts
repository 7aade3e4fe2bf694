import { Worker } from 'node:worker_threads';

/** The entry every worker thread starts from: it registers tsx, then imports `workerData.entry`. */
export const WORKER_BOOTSTRAP = new URL('../embedding/typescript-worker.mjs', import.meta.url);

/** A failure as a worker posts it: plain fields, since an error of any other class than the built-in ones loses its message crossing threads. */
export interface WorkerFailure {
  readonly type: 'failed';
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

/** What a worker entry that computes one result posts back, once. */
export type WorkerReply<T> = { readonly type: 'done'; readonly result: T } | WorkerFailure;

/** The reply a worker entry posts for an error. */
export function failedReply(error: unknown): WorkerFailure {
  if (!(error instanceof Error)) return { type: 'failed', name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { type: 'failed', name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}), ...(error.stack ? { stack: error.stack } : {}) };
}

/** The worker's error on this thread: an `Error` with its name, message, code and stack, not its class. */
export function rebuiltError(failure: WorkerFailure): Error {
  const error = new Error(failure.message);
  error.name = failure.name;
  if (failure.code !== undefined) Object.assign(error, { code: failure.code });
  if (failure.stack !== undefined) error.stack = failure.stack;
  return error;
}

/** The result a `WorkerReply` carries. @throws the worker's error, rebuilt */
export function resultOf<T>(reply: WorkerReply<T>): T {
  if (reply.type === 'done') return reply.result;
  throw rebuiltError(reply);
}

/** Counts the threads of one kind that have not stopped yet. */
export interface WorkerTally {
  running: number;
}

/**
 * Runs a TypeScript module in a worker thread with `request` as its `workerData.request`, and
 * resolves with the one message it posts: seconds of CPU work that leave this thread's event loop
 * free. Settles only once the thread has stopped; `tally`, when given, counts it until then.
 * @throws an `Error` when the worker fails before replying or exits without replying (out of
 *   memory); `signal.reason` once `signal` aborts, after terminating the worker
 */
export async function runInWorker<Request, Reply>(entry: URL, request: Request, signal?: AbortSignal, tally?: WorkerTally): Promise<Reply> {
  signal?.throwIfAborted();
  const worker = new Worker(WORKER_BOOTSTRAP, { workerData: { entry: entry.href, request } });
  if (tally) {
    tally.running++;
    // Registered first, so the count is down before `terminate()` resolves and the run settles.
    worker.once('exit', () => tally.running--);
  }
  return new Promise<Reply>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate().then(outcome, outcome);
    };
    const onAbort = () => settle(() => reject(signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (reply: Reply) => settle(() => resolve(reply)));
    worker.on('messageerror', (error) => settle(() => reject(error)));
    worker.on('error', (error: unknown) => settle(() => reject(error instanceof Error ? error : new Error('the worker failed', { cause: error }))));
    worker.on('exit', (code) => settle(() => reject(new Error(`the worker exited with code ${code} before replying`))));
  });
}
