// The enrichment writer's thread (started through typescript-worker.mjs by FallbackEnrichmentWriter):
// the fallback enricher's steps on a connection of its own, taking turns at the write lock through the gate.
import { answerRequests, startedWith } from '../runtime/persistent-worker.js';
import { openWorkerConnection } from '../storage/sqlite/worker-connection.js';
import { FallbackEnrichmentBatches, type FallbackEnrichOutcome, type FallbackEnrichRequest } from './fallback-enrichment-batches.js';
import type { WriterThreadData } from '../storage/sqlite/writer-thread.js';

const { file, gate } = startedWith<WriterThreadData>();
const { db, holding } = openWorkerConnection(file, gate);
const batches = new FallbackEnrichmentBatches(db, holding);

answerRequests<FallbackEnrichRequest, FallbackEnrichOutcome>((request) => batches.run(request));
