// A worker thread's entry that runs a TypeScript module under tsx. Plain JavaScript, since nothing
// can load TypeScript until it has run: tsx registered on the main thread (`--import tsx`, or
// `register()` as bin/paperd.js does) does not reach worker threads on Node 20, and
// `execArgv: ['--import', 'tsx']` does not help either, as tsx's loader only registers itself on the
// main thread there. Registering again where tsx did reach the worker (newer Node) is harmless.
// A worker thread that does batch work (indexing, enrichment, PageRank, model fits, snapshots) runs
// at a lower CPU priority than the event loop, which answers the API; one that answers the API
// itself (`workerData.foreground`: the search readers) keeps the event loop's.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
const { runAsBackgroundThread } = await import('../runtime/background-thread.ts');
if (!workerData.foreground) runAsBackgroundThread();
await import(workerData.entry);
