// The LSA fit worker's entry (started through typescript-worker.mjs): fits on the papers of the
// SQLite file it is given, saves the model to the model store and replies with its fit id. It
// reads the papers itself, so the main thread never serializes the corpus; and it saves the model
// itself, so the reply is a few bytes and the main thread's load checks the file against its id.
import { parentPort, workerData } from 'node:worker_threads';
import { EmbedderFitError } from '../errors.js';
import { failedReply } from '../runtime/run-in-worker.js';
import { openDatabase } from '../storage/sqlite/database.js';
import { EmbeddedModelStore } from './embedded-model-store.js';
import type { LsaFitReply, LsaFitRequest } from './lsa-fit-protocol.js';
import { fitLsa, type LsaEmbedder } from './lsa/index.js';
import { paperTexts } from './paper-corpus.js';

function* textsOf(file: string): Generator<string> {
  const db = openDatabase(file, { readonly: true });
  // Closed once the texts are read, so its read transaction does not hold back WAL checkpoints
  // for the rest of the fit.
  try {
    yield* paperTexts(db);
  } finally {
    db.close();
  }
}

async function fit(request: LsaFitRequest): Promise<LsaFitReply> {
  let model: LsaEmbedder;
  try {
    model = await fitLsa(textsOf(request.database), request.options);
  } catch (error) {
    if (error instanceof EmbedderFitError) return { type: 'unfit', reason: error.reason, documents: error.documents };
    throw error;
  }
  await new EmbeddedModelStore(request.dataDir).save(model);
  return { type: 'fitted', fitId: model.fitId, fittedOn: model.fittedOn };
}

const request = (workerData as { request: LsaFitRequest }).request;
parentPort!.postMessage(await fit(request).catch(failedReply));
