/**
 * Papers per second through the whole ingestion pipeline (journal → indexer → SQLite with FTS5,
 * versions, authors, categories, outbox → vector sync → embeddings → LanceDB) vs writing the same
 * rows straight into the same SQLite schema (FTS5 included) and LanceDB (same embedder), in the
 * same run.
 * Run: npm run bench:ingest [-- --papers 100000]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { HashEmbedder } from '../src/embedding/index.js';
import { ingestJob } from '../src/ingest/import-files.js';
import { runLocally } from '../src/pipeline/run-locally.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { silentLogger } from '../src/runtime/logger.js';
import { VectorStore } from '../src/storage/lancedb/vector-store.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { realisticPapers } from './support/papers.js';
import { insertPapersRaw } from './support/raw-papers.js';

const args = process.argv.slice(2);
const count = Number(args[args.indexOf('--papers') + 1] || 100_000) || 100_000;
const papers: PaperRecord[] = [...realisticPapers(count)];
const abstractChars = papers.reduce((n, p) => n + p.abstract.length, 0) / papers.length;

async function pipeline(dir: string): Promise<number> {
  const config = loadConfig({ env: {}, overrides: { dataDir: dir, pipeline: { fetchPdfs: false, idleMs: 20 } } });
  const t0 = performance.now();
  const indexed = await runLocally(config, silentLogger(), 'bench', {
    async work({ runtime, ingestion }) {
      for (let i = 0; i < papers.length; i += 1000) {
        await ingestion.watcher.waitForCapacity();
        runtime.store.journal.acceptMany(papers.slice(i, i + 1000).map((p) => ingestJob(p, 1)));
        ingestion.nudge();
      }
    },
    summarize: ({ runtime }) => runtime.store.papers.count(),
    // Ingestion alone: the raw side embeds with the same hash embedder and learns no model either.
    refit: false,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (indexed !== papers.length) throw new Error(`pipeline indexed ${indexed} of ${papers.length}`);
  return papers.length / seconds;
}

/**
 * The same rows written straight: the same schema (papers, versions, authors, categories, FTS5
 * through its triggers) with plain INSERTs in big transactions, and the same vectors added to
 * LanceDB. What it leaves out is exactly the pipeline: journal, leases, dedup and merge checks,
 * outbox, actors, sync.
 */
async function rawWrites(dir: string): Promise<number> {
  const embedder = new HashEmbedder();
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  const db = openDatabase(join(dir, 'raw.sqlite'));
  const insert = insertPapersRaw(db);
  const vectors = await VectorStore.open(join(dir, 'raw-lancedb'), embedder.dimensions);
  for (let i = 0; i < papers.length; i += 1000) {
    const batch = papers.slice(i, i + 1000);
    insert(batch);
    const embedded = await embedder.embed(batch.map((p) => `${p.title}\n\n${p.abstract}`));
    await vectors.upsert(batch.map((p, k) => ({ id: p.id, vector: embedded[k]!, embedder: embedder.name, updated: '' })));
  }
  vectors.close();
  db.close();
  return papers.length / ((performance.now() - t0) / 1000);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
// LanceDB's native calls do not hold the event loop open on their own.
const keepAlive = setInterval(() => {}, 60_000);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const root = mkdtempSync(join(tmpdir(), "paperd-bench-ingest-"));
try {
  const raw = only === 'pipeline' ? NaN : await rawWrites(join(root, 'raw'));
  const ours = only === 'raw' ? NaN : await pipeline(join(root, 'pipeline'));
  console.log(`papers: ${fmt(count)} (mean abstract ${Math.round(abstractChars)} chars)`);
  console.log(`raw SQLite+FTS5 and LanceDB writes: ${fmt(raw)} papers/s`);
  console.log(`whole pipeline:                     ${fmt(ours)} papers/s`);
  console.log(`ratio (pipeline / raw):             ${(ours / raw).toFixed(3)}  (goal ≥ 0.5)`);
} finally {
  rmSync(root, { recursive: true, force: true });
  clearInterval(keepAlive);
}
