import { Type, type Static } from '@sinclair/typebox';
import { LlmConfigSchema } from '../inference/config.js';
import { LinkConfigSchema } from '../link/config.js';
import { OpsConfig } from '../ops/config.js';
import { PoolSettings } from '../pipeline/pool-config.js';
import { OfflineConfigSchema } from '../offline/config.js';
import { SandboxConfigSchema } from '../sandbox/config.js';
import { DEFAULT_LANCEDB_CACHE } from '../storage/lancedb/cache-bounds.js';
import { GithubPollerConfig } from '../sources/github/config.js';
import { HuggingfacePollerConfig } from '../sources/huggingface/config.js';
import { GithubWebhookSettings, HuggingfaceWebhookSettings } from '../webhooks/config.js';

const Backoff = Type.Object({
  minMs: Type.Integer({ minimum: 0, default: 200 }),
  maxMs: Type.Integer({ minimum: 0, default: 30_000 }),
  jitter: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }),
  resetAfterMs: Type.Integer({ minimum: 0, default: 60_000 }),
}, { default: {} });

/**
 * Every setting of a node, with its default. Each key can also come from the environment as
 * `PAPERD_` + its path in upper snake case (`api.port` → `PAPERD_API_PORT`); lists and objects
 * below a leaf are given as JSON.
 */
export const ConfigSchema = Type.Object({
  node: Type.Union([Type.Literal('single'), Type.Literal('main'), Type.Literal('gpu'), Type.Literal('mac')], { default: 'single' }),
  dataDir: Type.String({ minLength: 1, default: './data' }),
  api: Type.Object({
    /** Loopback by default: a lab opens it on purpose, never by accident. */
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080 }),
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 1_048_576 }),
    /** Reads (search, papers, the actor tree, metrics) need no key; everything that changes state always does. */
    openReads: Type.Boolean({ default: true }),
    /** Requests a minute per API key, and per address for callers without one. */
    rateLimitPerKey: Type.Integer({ minimum: 1, default: 1200 }),
    rateLimitPerAddress: Type.Integer({ minimum: 1, default: 600 }),
    /** Uploads to `POST /v1/import` (dumps) may be this large. */
    importLimitBytes: Type.Integer({ minimum: 1024, default: 512 * 1_048_576 }),
  }, { default: {} }),
  log: Type.Object({
    level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  }, { default: {} }),
  supervision: Type.Object({
    intensity: Type.Integer({ minimum: 0, default: 5 }),
    periodMs: Type.Integer({ minimum: 1, default: 60_000 }),
    backoff: Backoff,
  }, { default: {} }),
  pipeline: Type.Object({
    /** Jobs the indexer takes per transaction. */
    batchSize: Type.Integer({ minimum: 1, default: 500 }),
    leaseMs: Type.Integer({ minimum: 1000, default: 120_000 }),
    /** How often an idle stage looks in the journal for work that came without a nudge. */
    idleMs: Type.Integer({ minimum: 10, default: 1_000 }),
    /** Download each new arXiv version's PDF and index its text. */
    fetchPdfs: Type.Boolean({ default: true }),
    /** Producers pause when journal + outbox depth reaches this, and resume below the low mark. */
    highWatermark: Type.Integer({ minimum: 2, default: 5_000 }),
    lowWatermark: Type.Integer({ minimum: 1, default: 1_000 }),
    /** How often the node checks whether the corpus has outgrown its embedded model. */
    refitCheckMs: Type.Integer({ minimum: 1000, default: 10 * 60_000 }),
    /**
     * How often the vector tables' indexes are checked: built, updated with new rows, retrained,
     * compacted. A check is a few reads; an import writes up to 40,000 vectors a minute, and
     * checked once a minute, the rows kept in memory (then 50,000) filled before a run began.
     */
    vectorIndexCheckMs: Type.Integer({ minimum: 100, default: 15_000 }),
    /** Fetcher, extractor and enricher as elastic pools: bounds, and how the size follows the backlog (src/pipeline/pool-config.ts). */
    pools: PoolSettings,
    /** Test and benchmark knob: slows the indexer by this much per item. */
    indexerDelayPerItemMs: Type.Integer({ minimum: 0, default: 0 }),
  }, { default: {} }),
  arxiv: Type.Object({
    /** Poll arXiv's announcements (the single and main nodes). */
    poll: Type.Boolean({ default: true }),
    categories: Type.Array(Type.String({ pattern: '^[a-z-]+(\\.[A-Za-z-]+)?$' }), { default: ['cs.LG', 'cs.CL', 'cs.CV', 'cs.AI', 'stat.ML'] }),
    apiBaseUrl: Type.String({ default: 'https://export.arxiv.org/api/query' }),
    listingBaseUrl: Type.String({ default: 'https://rss.arxiv.org/atom' }),
    oaiBaseUrl: Type.String({ default: 'https://oaipmh.arxiv.org/oai' }),
    pdfBaseUrl: Type.String({ default: 'https://arxiv.org/pdf' }),
    /** arXiv's terms: one request every 3 seconds, one connection at a time. */
    intervalMs: Type.Integer({ minimum: 0, default: 3_000 }),
    /** arXiv asks API clients to say who they are; add a contact (mailto:) here. */
    userAgent: Type.String({ default: 'paperd/0.1 (self-hosted ML research radar)' }),
  }, { default: {} }),
  /** GitHub: webhooks (signed with `webhookSecret`) and polling of repositories papers link to. */
  github: Type.Object({ ...GithubPollerConfig, ...GithubWebhookSettings }, { default: {} }),
  /** Hugging Face: webhooks (`webhookSecret`, also PAPERD_HF_WEBHOOK_SECRET) and the daily papers with their models and datasets. */
  huggingface: Type.Object({ ...HuggingfacePollerConfig, ...HuggingfaceWebhookSettings }, { default: {} }),
  /** OpenAI-compatible endpoints (vLLM, Ollama, …) and how the router uses them. */
  llm: LlmConfigSchema,
  /** ZeroMQ between the actor systems of the main, gpu and mac nodes (see README, Several machines). */
  link: LinkConfigSchema,
  embeddings: Type.Object({
    /**
     * A model served at an embeddings endpoint of `llm` (vLLM, Ollama): papers and queries are
     * embedded there. Empty: the embedded model, learned from the corpus, which needs no endpoint.
     */
    model: Type.String({ default: '' }),
    /** The size of that model's vectors; each size has its own vector table. */
    dimensions: Type.Integer({ minimum: 2, maximum: 8192, default: 768 }),
  }, { default: {} }),
  enrichment: Type.Object({
    /** A TL;DR, tags and entities for every new paper version. */
    enabled: Type.Boolean({ default: true }),
    /** The chat model asked; empty: the first model of the first chat endpoint. No model: the embedded fallback answers. */
    model: Type.String({ default: '' }),
    /** Papers enriched at once. */
    concurrency: Type.Integer({ minimum: 1, maximum: 256, default: 8 }),
    /** How often papers the fallback enriched are queued for the LLM again, when one is up. */
    redoCheckMs: Type.Integer({ minimum: 100, default: 10 * 60_000 }),
  }, { default: {} }),
  /** Monitoring and alerting, GPU telemetry and protection (src/ops). */
  ops: OpsConfig,
  /** The offline scheduler: backfill, reprocessing and maintenance that yield to online work (src/offline). */
  offline: OfflineConfigSchema,
  /** The Docker sandbox that runs analysis code against a read-only snapshot of the stores. */
  sandbox: SandboxConfigSchema,
  /** The knowledge graph's derived part: co-authorship, related papers and centrality, recomputed offline. */
  graph: Type.Object({
    /** A recomputation pass starts this long after the last one completed (it runs as the offline `graph` class). */
    recomputeEveryMs: Type.Integer({ minimum: 1_000, default: 24 * 3_600_000 }),
  }, { default: {} }),
  /** Enables `POST /v1/test/crash`, which crashes an actor on purpose. Never on in production. */
  testHooks: Type.Boolean({ default: false }),
  /**
   * LanceDB's caches, shared by the node's vector tables. Its defaults (6 GiB of index, 1 GiB of
   * file metadata) are bounds no smaller machine reaches, so they grew with the corpus and with
   * every index version the node had searched.
   */
  lancedb: Type.Object({
    /**
     * Opened indexes (vector partitions and centroids, the id B-tree), in bytes: 512 MiB. A
     * million papers' indexes take about 230 MB (IVF-RQ 180 MB, id 40 MB), and upkeep replaces
     * them while the old version is still cached: a smaller bound evicts what every search reads.
     */
    indexCacheBytes: Type.Integer({ minimum: 1_048_576, default: DEFAULT_LANCEDB_CACHE.indexCacheBytes }),
    /**
     * File and fragment metadata (footers, schemas, deletion files, opened index files), in bytes:
     * 2 MiB. Without it every search re-opened the vector index's files and read their footers:
     * at 1.7M rows 31 ms of CPU a search against 24 with 1 MiB or more. LanceDB keeps an opened
     * index file's reader here with its file open, and upkeep replaces index segments: the bound
     * is what closes the replaced ones (at 64 MiB a node held one more open file per index update;
     * at 2 MiB the count levels off at a few dozen).
     */
    metadataCacheBytes: Type.Integer({ minimum: 0, default: DEFAULT_LANCEDB_CACHE.metadataCacheBytes }),
  }, { default: {} }),
});

export type Config = Static<typeof ConfigSchema>;
