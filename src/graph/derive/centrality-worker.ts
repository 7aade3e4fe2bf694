// The centrality worker's entry (started through runInWorker): loads the graph from the SQLite
// file it is given, ranks it and writes the ranks back through its own connection, so the main
// thread neither holds ten million edges nor stops for the iterations.
import { parentPort, workerData } from 'node:worker_threads';
import { failedReply, type WorkerReply } from '../../runtime/run-in-worker.js';
import { openDatabase } from '../../storage/sqlite/database.js';
import { recomputeCentrality, type CentralityRun } from './centrality.js';

const request = (workerData as { request: { database: string; now: number } }).request;

function run(): WorkerReply<CentralityRun> {
  const db = openDatabase(request.database);
  try {
    return { type: 'done', result: recomputeCentrality(db, request.now) };
  } finally {
    db.close();
  }
}

let reply: WorkerReply<CentralityRun>;
try {
  reply = run();
} catch (error) {
  reply = failedReply(error);
}
parentPort!.postMessage(reply);
