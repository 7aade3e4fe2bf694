import { Type } from '@sinclair/typebox';

const bounds = (max: number) => Type.Object({
  /** Workers always active. */
  min: Type.Integer({ minimum: 1, default: 1 }),
  /** Workers active at most; 1 keeps the stage a single actor. */
  max: Type.Integer({ minimum: 1, maximum: 64, default: max }),
}, { default: {} });

/**
 * The `pipeline.pools` settings: the fetcher, extractor and enricher run as pools whose active
 * size follows their queue depth within `min`–`max` (`PAPERD_PIPELINE_POOLS_ENRICHER_MAX=4`).
 */
export const PoolSettings = Type.Object({
  /** PDFs all pass arXiv's one-connection limiter: more fetchers only queue there. */
  fetcher: bounds(1),
  extractor: bounds(1),
  enricher: bounds(1),
  /** One more worker per this many jobs waiting. */
  backlogPerWorker: Type.Integer({ minimum: 1, default: 50 }),
  /** A worker above the need is let go after the need has stayed lower this long. */
  shrinkAfterMs: Type.Integer({ minimum: 0, default: 30_000 }),
}, { default: {} });
