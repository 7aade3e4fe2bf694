import { Type, type Static } from '@sinclair/typebox';

const Threshold = (moderate: number, high: number) =>
  Type.Object({ moderate: Type.Number({ minimum: 0, default: moderate }), high: Type.Number({ minimum: 0, default: high }) }, { default: {} });

const ClassSettings = Type.Object({
  /** Off-peak window: opens each time `cron` fires (croner, 5 fields) in `timezone`, for `minutes`. */
  window: Type.Optional(Type.Object({ cron: Type.String({ minLength: 9 }), minutes: Type.Integer({ minimum: 1 }), timezone: Type.Optional(Type.String()) })),
  quota: Type.Optional(
    Type.Object({
      concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
      cpuShare: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
      llmRequestsPerHour: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 0 }))),
    }),
  ),
});

/** `offline`: the scheduler of batch work (ARCHITECTURE.md §2, the `offline` supervisor). */
export const OfflineConfigSchema = Type.Object({
  /** Run the scheduler and its job classes on this node. */
  enabled: Type.Boolean({ default: true }),
  /** How often online load is read and steps are started or told to yield. */
  tickMs: Type.Integer({ minimum: 10, default: 250 }),
  /** The longest one step runs before it hands back to the scheduler. */
  stepMs: Type.Integer({ minimum: 50, default: 2_000 }),
  /** Steps of all classes at once. */
  concurrency: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  /**
   * Online load signals: at or above `high` offline work stops; at or above `moderate` it runs
   * only inside a class's off-peak window. `depth`: hot and normal pipeline jobs waiting;
   * `apiP95Ms`: the online API's p95 over 10 s; `apiSlowdown`: its p95 over the last 5 s divided by
   * its p95 while no offline step ran (so offline work backs off once it makes search slower);
   * `llmOnlineQueued`: online LLM requests waiting;
   * `cpu`: the 1-minute load average per core, off by default (0, 0): on a shared machine it
   * measures the neighbours; on a dedicated one set e.g. {moderate: 1, high: 2}.
   */
  load: Type.Object({
    depth: Threshold(1, 1),
    apiP95Ms: Threshold(250, 1_000),
    apiSlowdown: Threshold(1.2, 1.4),
    llmOnlineQueued: Threshold(1, 1),
    cpu: Threshold(0, 0),
  }, { default: {} }),
  /** Per job class (`backfill`, `maintenance`, `ocr`, …): its off-peak window and quotas. */
  classes: Type.Record(Type.String(), ClassSettings, { default: { maintenance: { window: { cron: '0 3 * * *', minutes: 180 } } } }),
  /** LLM endpoint names that are GPU nodes, each with one lease for batch work. */
  gpuNodes: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
  /** OCR of scanned PDFs: Tesseract here, or a VLM (`vlmModel`) on GPU node `vlmNode` under its lease, Tesseract when the lease is not granted. */
  ocr: Type.Object({
    enabled: Type.Boolean({ default: true }),
    language: Type.String({ default: 'eng' }),
    dpi: Type.Integer({ minimum: 72, maximum: 600, default: 300 }),
    vlmModel: Type.String({ default: '' }),
    vlmNode: Type.String({ default: '' }),
  }, { default: {} }),
  /** How often the content quality checks run (their report is in GET /v1/stats under `quality`). */
  qualityEveryMs: Type.Integer({ minimum: 1_000, default: 3_600_000 }),
  /** Backfill records waiting in the journal at most: the harvest waits above it, so a yield stops work soon. */
  backfillBacklog: Type.Integer({ minimum: 1, default: 100 }),
}, { default: {} });

export type OfflineConfig = Static<typeof OfflineConfigSchema>;
