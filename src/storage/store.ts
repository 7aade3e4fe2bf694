import { join } from 'node:path';
import type { Embedder } from '../embedding/index.js';
import { EMBEDDING_DIMENSIONS, EmbedderProvider } from '../embedding/embedder-provider.js';
import type { Clock } from '../runtime/clock.js';
import { BlobStore } from './blobs.js';
import { VectorStore } from './lancedb/vector-store.js';
import { openDatabase, sqlitePath, type Database } from './sqlite/database.js';
import { Journal } from './sqlite/journal.js';
import { PaperStore } from './sqlite/papers.js';
import { VectorSync } from './vector-sync.js';
import { ChunkSync } from './chunk-sync.js';

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
  close(): void;
}

/** Where LanceDB keeps its tables in a data dir. */
export function lancedbPath(dataDir: string): string {
  return join(dataDir, 'lancedb');
}

/** Opens (creating and migrating as needed) the stores of a data dir for the one writer that owns it. */
export async function openStore(dataDir: string, clock: Clock): Promise<Store> {
  const embedders = await EmbedderProvider.open(dataDir);
  const embedder = () => embedders.current();
  const db = openDatabase(sqlitePath(dataDir));
  let vectors: VectorStore;
  let chunkVectors: VectorStore;
  try {
    vectors = await VectorStore.open(lancedbPath(dataDir), EMBEDDING_DIMENSIONS);
    chunkVectors = await VectorStore.open(lancedbPath(dataDir), EMBEDDING_DIMENSIONS, { table: 'chunks' });
  } catch (error) {
    db.close();
    throw error;
  }
  const blobs = new BlobStore(dataDir);
  await blobs.removeTempFiles();
  return {
    get embedder() {
      return embedders.current();
    },
    embedders,
    dataDir,
    db,
    journal: new Journal(db, clock),
    papers: new PaperStore(db, clock),
    vectors,
    blobs,
    vectorSync: new VectorSync({ db, vectors, embedder }),
    chunkVectors,
    chunkSync: new ChunkSync(db, chunkVectors, embedder),
    close() {
      chunkVectors.close();
      vectors.close();
      db.close();
    },
  };
}
