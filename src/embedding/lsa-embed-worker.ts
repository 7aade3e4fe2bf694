// The embedding thread's entry (started through typescript-worker.mjs by LsaBatchEmbedder):
// embeds batches of texts with the fit they name, loaded from the data dir's model store.
import { answerRequests, startedWith } from '../runtime/persistent-worker.js';
import { EmbeddedModelStore } from './embedded-model-store.js';
import type { LsaEmbedRequest, LsaEmbedThreadData } from './lsa-batch-embedder.js';
import type { LsaEmbedder } from './lsa/index.js';

const models = new EmbeddedModelStore(startedWith<LsaEmbedThreadData>().dataDir);
// One fit at a time: after a refit the old one is asked for no more.
let loaded: { readonly fitId: string; readonly model: Promise<LsaEmbedder> } | undefined;

answerRequests(async ({ fitId, texts }: LsaEmbedRequest) => {
  if (loaded?.fitId !== fitId) loaded = { fitId, model: models.load(fitId) };
  const model = await loaded.model.catch((error: unknown) => {
    loaded = undefined;
    throw error;
  });
  return texts.map((text) => model.embedOne(text));
});
