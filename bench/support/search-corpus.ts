import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { EmbeddedModelStore } from '../../src/embedding/embedded-model-store.js';
import { EMBEDDING_DIMENSIONS } from '../../src/embedding/embedder-provider.js';
import { fitLsa, type LsaEmbedder } from '../../src/embedding/lsa/index.js';
import { lancedbPath } from '../../src/storage/store.js';
import { VectorStore, type IndexReport } from '../../src/storage/lancedb/vector-store.js';
import { openDatabase, sqlitePath } from '../../src/storage/sqlite/database.js';
import { paperVectorText } from '../../src/storage/vector-sync.js';
import { insertPapersRaw } from './raw-papers.js';
import { zipfPapers } from './zipf-papers.js';

const MARKER = 'bench-search.json';
const BATCH = 10_000;

export interface CorpusBuild {
  readonly papers: number;
  readonly embedder: string;
  readonly sqliteSeconds: number;
  readonly fitSeconds: number;
  readonly vectorSeconds: number;
  readonly index: IndexReport;
}

/**
 * A paperd data dir holding `count` Zipf papers, laid down fast: rows straight into the SQLite
 * schema, an LSA model fitted on them and made active (as a node's refit would), every paper's
 * vector appended to LanceDB, and the vector index built by paperd's own maintenance. A dir built
 * before for the same count is reused.
 */
export async function buildSearchCorpus(dir: string, count: number, progress: (line: string) => void): Promise<CorpusBuild> {
  const marker = join(dir, MARKER);
  if (existsSync(marker)) {
    const built = JSON.parse(readFileSync(marker, 'utf8')) as CorpusBuild;
    if (built.papers !== count) throw new Error(`${dir} holds a corpus of ${built.papers} papers, not ${count}: give another --data`);
    // Earlier runs imported papers whose vectors are not in the index yet: fold them all in first,
    // as the node's maintenance would, so searches are measured on an index that is up to date
    // (and the node does not start by taking them in while the searches at rest are measured).
    const vectors = await VectorStore.open(lancedbPath(dir), EMBEDDING_DIMENSIONS);
    const index = await vectors.maintainIndexHere(true);
    vectors.close();
    if (index.plan !== 'none') progress(`  vector index: ${index.plan} in ${(index.ms / 1000).toFixed(1)} s`);
    return { ...built, index };
  }
  mkdirSync(dir, { recursive: true });
  const db = openDatabase(sqlitePath(dir));
  // A throwaway build: durability per transaction buys nothing here.
  db.pragma('synchronous = OFF');
  // FTS5 builds a big index far faster in one pass than row by row: the insert trigger is set
  // aside for the load, the index rebuilt from the table, and the trigger put back as it was.
  const trigger = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'papers_fts_insert'").pluck().get() as string;
  db.exec('DROP TRIGGER papers_fts_insert');
  const insert = insertPapersRaw(db);
  let t0 = performance.now();
  let batch = [];
  let written = 0;
  for (const paper of zipfPapers(count)) {
    batch.push(paper);
    if (batch.length === BATCH) {
      insert(batch);
      written += batch.length;
      batch = [];
      if (written % 100_000 === 0) progress(`  sqlite: ${written} papers`);
    }
  }
  if (batch.length) insert(batch);
  progress('  sqlite: building the FTS5 index');
  db.exec("INSERT INTO papers_fts (papers_fts) VALUES ('rebuild')");
  db.exec(trigger);
  const sqliteSeconds = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const texts = function* () {
    for (const row of db.prepare('SELECT title, abstract FROM papers ORDER BY seq').iterate() as Iterable<{ title: string; abstract: string }>) yield paperVectorText(row.title, row.abstract);
  };
  const model: LsaEmbedder = await fitLsa(texts(), { dimensions: EMBEDDING_DIMENSIONS });
  const models = new EmbeddedModelStore(dir);
  await models.save(model);
  await models.activate(model.fitId);
  const fitSeconds = (performance.now() - t0) / 1000;
  progress(`  LSA fitted on a sample of the ${count} papers in ${fitSeconds.toFixed(0)} s`);

  t0 = performance.now();
  (await VectorStore.open(lancedbPath(dir), EMBEDDING_DIMENSIONS)).close();
  const connection = await lancedb.connect(lancedbPath(dir));
  const table = await connection.openTable('papers');
  let rows: { id: string; title: string; abstract: string; updated_at: number }[] = [];
  const flush = async () => {
    const vectors = await model.embed(rows.map((r) => paperVectorText(r.title, r.abstract)));
    await table.add(rows.map((r, i) => ({ id: r.id, vector: vectors[i]!, embedder: model.name, updated: new Date(r.updated_at).toISOString() })));
    rows = [];
  };
  for (const row of db.prepare('SELECT id, title, abstract, updated_at FROM papers ORDER BY seq').iterate() as Iterable<(typeof rows)[number]>) {
    rows.push(row);
    if (rows.length === 50_000) await flush();
  }
  if (rows.length) await flush();
  // One fragment per 50,000 rows, where a table that grew under paperd's upkeep holds compacted
  // ones. At a million rows the fresh layout made exact search 4x slower (p50 7.9 s against 2.1 s)
  // and hybrid searches of rare words 48 ms at p50 against 12 once compacted.
  await table.optimize();
  table.close();
  connection.close();
  db.close();
  const vectorSeconds = (performance.now() - t0) / 1000;
  progress(`  ${count} vectors written in ${vectorSeconds.toFixed(0)} s`);

  const vectors = await VectorStore.open(lancedbPath(dir), EMBEDDING_DIMENSIONS);
  const index = await vectors.maintainIndex();
  vectors.close();
  progress(`  vector index: ${index.plan} in ${(index.ms / 1000).toFixed(1)} s`);
  const built: CorpusBuild = { papers: count, embedder: model.name, sqliteSeconds, fitSeconds, vectorSeconds, index };
  writeFileSync(marker, JSON.stringify(built, null, 2));
  return built;
}
