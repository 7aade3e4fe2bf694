import { parentPort, Worker, workerData } from 'node:worker_threads';
import { failedReply, rebuiltError, WORKER_BOOTSTRAP, type WorkerFailure } from './run-in-worker.js';

/** A request as it crosses to the thread: the caller's message and the id its reply carries. */
export interface WorkerRequest<Message> {
  readonly id: number;
  readonly message: Message;
}

/** A reply as the thread posts it: a result, or the error it threw. */
export type WorkerResponse<Result> = { readonly id: number; readonly result: Result } | { readonly id: number; readonly error: WorkerFailure };

/**
 * A TypeScript module running in one long-lived worker thread, asked request by request: work
 * that would hold this thread's event loop (CPU, or synchronous I/O such as a SQLite transaction)
 * while the API waits. The thread starts on first use and again after it dies; the requests it
 * held then fail, for their callers to retry. Idle, it does not keep a finishing process alive.
 */
export class PersistentWorker<Message, Result> {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;

  /**
   * @param entry the module: it answers each `WorkerRequest` on `parentPort` with a `WorkerResponse`
   * @param what names the thread in errors
   * @param rebuild turns the thread's error back into one of this side's classes where it matters
   */
  constructor(
    private readonly entry: URL,
    private readonly what: string,
    private readonly options: {
      workerData?: unknown;
      rebuild?: (failure: WorkerFailure) => Error;
      /** After the thread stopped, however it stopped (what it held must be given back). */
      exited?: (threadId: number) => void;
      /**
       * The thread answers requests someone waits for (searches), so it keeps the event loop's CPU
       * priority; unset, it does batch work at a lower one (see typescript-worker.mjs).
       */
      foreground?: boolean;
    } = {},
  ) {}

  /** @throws the thread's error (rebuilt), or an `Error` when the thread died or was closed first */
  request(message: Message, transfer: readonly ArrayBuffer[] = []): Promise<Result> {
    if (this.closed) return Promise.reject(new Error(`${this.what} is closed`));
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise<Result>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, message } satisfies WorkerRequest<Message>, [...transfer]);
    });
  }

  /** Starts the thread now, so the first request does not wait for it to load its modules. */
  start(): void {
    if (!this.closed) this.thread();
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
    this.failAll(new Error(`${this.what} was closed`));
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_BOOTSTRAP, {
      workerData: { entry: this.entry.href, ...(this.options.workerData !== undefined ? { data: this.options.workerData } : {}), ...(this.options.foreground ? { foreground: true } : {}) },
    });
    worker.on('message', (reply: WorkerResponse<Result>) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ('result' in reply) return waiting.resolve(reply.result);
      waiting.reject(this.options.rebuild?.(reply.error) ?? rebuiltError(reply.error));
    });
    worker.on('error', (error) => this.lost(worker, error));
    const { threadId } = worker;
    worker.on('exit', (code) => {
      this.options.exited?.(threadId);
      this.lost(worker, new Error(`${this.what}'s thread exited with code ${code}`));
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private lost(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failAll(error);
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

/**
 * The thread's side: answers every request with `handle`'s result or the error it threw, one at
 * a time in arrival order (a handler that returns a promise is awaited before the next starts).
 */
export function answerRequests<Message, Result>(handle: (message: Message) => Result | Promise<Result>): void {
  let queue: Promise<unknown> = Promise.resolve();
  parentPort!.on('message', (request: WorkerRequest<Message>) => {
    queue = queue.then(async () => {
      let reply: WorkerResponse<Result>;
      try {
        reply = { id: request.id, result: await handle(request.message) };
      } catch (error) {
        reply = { id: request.id, error: failedReply(error) };
      }
      parentPort!.postMessage(reply);
    });
  });
}

/** What the thread was started with (`workerData` of `PersistentWorker`'s options). */
export function startedWith<T>(): T {
  return (workerData as { data: T }).data;
}
