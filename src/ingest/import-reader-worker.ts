// The import reader's thread (started through typescript-worker.mjs by ImportReader): an upload's
// parsing and journaling on a connection of its own, taking turns at the write lock through the gate.
import { answerRequests, startedWith } from '../runtime/persistent-worker.js';
import { openWorkerConnection } from '../storage/sqlite/worker-connection.js';
import type { WriterThreadData } from '../storage/sqlite/writer-thread.js';
import { ImportSteps, type ImportStepOutcome, type ImportStepRequest } from './import-steps.js';

const { file, gate } = startedWith<WriterThreadData>();
const { db, holding } = openWorkerConnection(file, gate);
const steps = new ImportSteps(db, holding);

answerRequests<ImportStepRequest, ImportStepOutcome>((request) => steps.run(request));
