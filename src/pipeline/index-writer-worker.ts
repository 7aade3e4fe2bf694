// The index writer's thread (started through typescript-worker.mjs by IndexWriter): the indexer's
// transactions on a connection of its own, taking turns at the write lock through the gate.
import { answerRequests, startedWith } from '../runtime/persistent-worker.js';
import { openWorkerConnection } from '../storage/sqlite/worker-connection.js';
import { IndexBatches, type IndexOutcome, type IndexRequest } from './index-batch.js';
import type { WriterThreadData } from '../storage/sqlite/writer-thread.js';

const { file, gate } = startedWith<WriterThreadData>();
const { db, holding } = openWorkerConnection(file, gate);
const batches = new IndexBatches(db, holding);

answerRequests<IndexRequest, IndexOutcome>((request) => batches.run(request));
