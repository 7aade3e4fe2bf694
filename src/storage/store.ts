import { join } from 'node:path';
import type { Embedder } from '../embedding/index.js';
import { EMBEDDING_DIMENSIONS, EmbedderProvider } from '../embedding/embedder-provider.js';
import type { Clock } from '../runtime/clock.js';
import { BlobStore } from './blobs.js';
import { DEFAULT_LANCEDB_CACHE } from './lancedb/cache-bounds.js';
import { IndexUpkeepProcess } from './lancedb/index-upkeep-process.js';
import { VectorStore, lancedbSession } from './lancedb/vector-store.js';
import { openDatabase, sqlitePath, type Database } from './sqlite/database.js';
import { Journal } from './sqlite/journal.js';
import { PaperStore } from './sqlite/papers.js';
import { VectorSync } from './vector-sync.js';
import { ChunkSync } from './chunk-sync.js';
import { WriteGate } from './sqlite/write-gate.js';
import { IndexWriter } from '../pipeline/index-writer.js';
import { ImportReader } from '../ingest/import-reader.js';

/** Everything a data dir holds, opened: SQLite (papers, journal, outbox), LanceDB, blobs. */
export interface Store {
  readonly dataDir: string;
  readonly db: Database;
  readonly journal: Journal;
  readonly papers: PaperStore;
  readonly vectors: VectorStore;
  readonly blobs: BlobStore;
  /** The embedder of the stored vectors, as of now. */
  readonly embedder: Embedder;
  /** Where it comes from, and how it is refitted as the corpus grows. */
  readonly embedders: EmbedderProvider;
  readonly vectorSync: VectorSync;
  /** One vector per chunk of a paper's full text (LanceDB table `chunks`). */
  readonly chunkVectors: VectorStore;
  readonly chunkSync: ChunkSync;
  /** Turns at the write lock between the event loop and the index writer's thread. */
  readonly writeGate: WriteGate;
  /** The indexer's transactions, in a thread of their own (started on first use). */
  readonly indexWriter: IndexWriter;
  /** Uploads' parsing and journaling, in a thread of their own (started on first use). */
  readonly importReader: ImportReader;
  close(): void;
}

/** Where LanceDB keeps its tables in a data dir. */
export function lancedbPath(dataDir: string): string {
  return join(dataDir, 'lancedb');
}

/** The vector tables of one vector size: the embedded model's keep their first names. */
export function vectorTableNames(dimensions: number): { papers: string; chunks: string } {
  return dimensions === EMBEDDING_DIMENSIONS ? { papers: 'papers', chunks: 'chunks' } : { papers: `papers_d${dimensions}`, chunks: `chunks_d${dimensions}` };
}

/** The page cache of the event loop's connection (the index writer's has `openDatabase`'s 64 MiB). */
const EVENT_LOOP_CACHE_KIB = 16 * 1024;

/**
 * The most unindexed vectors of a table kept in memory for search (`RecentRows`): about 100 MiB and
 * a 5 ms scan at 256 dimensions when full. During an import the index takes new rows in past
 * 70,000 (`AnnPolicy.maxUnindexedWhileWriting`); the rest is room for the rows written while that
 * runs (at a million rows a run rewrites the table's data, and took a minute under an import).
 * Past it, writes wait for the run (`VectorStore.upsert`).
 */
const RECENT_ROWS = 100_000;

// Which embedder family the vector tables were last synced with.
const EMBEDDER_KEY = 'vectors.embedder';

/**
 * Opens (creating and migrating as needed) the stores of a data dir for the one writer that owns it.
 * With `remote`, vectors come from that embedder (an embeddings endpoint) instead of the embedded
 * model; switching between them queues every paper to be embedded again.
 */
export async function openStore(dataDir: string, clock: Clock, options: { remote?: Embedder; lancedbCache?: { indexCacheBytes: number; metadataCacheBytes: number } } = {}): Promise<Store> {
  const embedders = await EmbedderProvider.open(dataDir);
  const remote = options.remote;
  const embedder = () => remote ?? embedders.current();
  const batchEmbedder = () => remote ?? embedders.forBatches();
  const db = openDatabase(sqlitePath(dataDir));
  // The bulk writes, which need a large page cache, are the index writer's, on its own connection:
  // this one answers searches and makes small writes, and the OS caches the file for both.
  db.pragma(`cache_size = -${EVENT_LOOP_CACHE_KIB}`);
  let vectors: VectorStore;
  let chunkVectors: VectorStore;
  // One upkeep process for both tables: their runs take turns.
  const upkeep = new IndexUpkeepProcess();
  const dimensions = remote?.dimensions ?? EMBEDDING_DIMENSIONS;
  const tables = vectorTableNames(dimensions);
  try {
    // The node is the tables' one writer: it searches what the index has not taken in from memory,
    // and keeps the index in a process of its own that yields the CPU to searches.
    const writer = { recentRows: RECENT_ROWS, indexUpkeepApart: upkeep, warmIndex: true, session: lancedbSession(options.lancedbCache ?? DEFAULT_LANCEDB_CACHE) };
    vectors = await VectorStore.open(lancedbPath(dataDir), dimensions, { table: tables.papers, ...writer });
    chunkVectors = await VectorStore.open(lancedbPath(dataDir), dimensions, { table: tables.chunks, ...writer });
  } catch (error) {
    upkeep.close();
    db.close();
    throw error;
  }
  requeueOnEmbedderChange(db, remote ? remote.name : 'embedded', clock);
  const blobs = new BlobStore(dataDir);
  await blobs.removeTempFiles();
  const writeGate = new WriteGate();
  const indexWriter = new IndexWriter(sqlitePath(dataDir), writeGate);
  const importReader = new ImportReader(sqlitePath(dataDir), writeGate, clock);
  return {
    get embedder() {
      return embedder();
    },
    embedders,
    dataDir,
    db,
    journal: new Journal(db, clock, { writeGate }),
    papers: new PaperStore(db, clock),
    vectors,
    blobs,
    vectorSync: new VectorSync({ db, vectors, embedder: batchEmbedder, writeGate }),
    chunkVectors,
    chunkSync: new ChunkSync(db, chunkVectors, batchEmbedder, writeGate),
    writeGate,
    indexWriter,
    importReader,
    close() {
      void indexWriter.close();
      void importReader.close();
      void embedders.closeBatchThread();
      chunkVectors.close();
      vectors.close();
      upkeep.close();
      db.close();
    },
  };
}

/**
 * Vectors of one embedder do not compare with another's: when the node starts with another
 * embedder family than it last synced with, every paper goes back through the outbox. (Refits of
 * the embedded model queue their own re-embedding.)
 */
function requeueOnEmbedderChange(db: Database, family: string, clock: Clock): void {
  db.transaction(() => {
    const previous = db.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(EMBEDDER_KEY) as string | undefined;
    if (previous === family) return;
    if (previous !== undefined || family !== 'embedded') {
      db.prepare(`INSERT INTO outbox (paper_id, op, created_at) SELECT id, 'upsert', ? FROM papers ORDER BY seq`).run(clock.now());
    }
    db.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(EMBEDDER_KEY, family);
  })();
}
