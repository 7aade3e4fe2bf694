import { Worker } from 'node:worker_threads';

const BOOTSTRAP = new URL('../embedding/typescript-worker.mjs', import.meta.url);

/** What a worker entry written for `runInWorker` posts back, once. */
export type WorkerReply<T> =
  | { readonly type: 'done'; readonly result: T }
  | { readonly type: 'failed'; readonly name: string; readonly message: string; readonly stack?: string };

/** The reply a worker entry posts for an error. */
export function failedReply(error: unknown): WorkerReply<never> {
  if (!(error instanceof Error)) return { type: 'failed', name: 'Error', message: String(error) };
  return { type: 'failed', name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
}

/**
 * Runs a TypeScript module in a worker thread with `request` as its `workerData.request`, and
 * resolves with what it replies: seconds of CPU work that leave this thread's event loop free.
 * Settles only once the thread has stopped.
 * @throws the worker's error (name, message and stack kept); an `Error` when it exits without
 *   replying; `signal.reason` once `signal` aborts, after terminating the worker
 */
export async function runInWorker<Request, Result>(entry: URL, request: Request, signal?: AbortSignal): Promise<Result> {
  signal?.throwIfAborted();
  const worker = new Worker(BOOTSTRAP, { workerData: { entry: entry.href, request } });
  return new Promise<Result>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate().then(outcome, outcome);
    };
    const onAbort = () => settle(() => reject(signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (reply: WorkerReply<Result>) => {
      if (reply.type === 'done') return settle(() => resolve(reply.result));
      const error = new Error(reply.message);
      error.name = reply.name;
      if (reply.stack) error.stack = reply.stack;
      settle(() => reject(error));
    });
    worker.on('error', (error: unknown) => settle(() => reject(error instanceof Error ? error : new Error('the worker failed', { cause: error }))));
    worker.on('exit', (code) => settle(() => reject(new Error(`the worker exited with code ${code} before replying`))));
  });
}
