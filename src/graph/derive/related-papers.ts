import type { Database } from 'better-sqlite3';
import type { VectorStore } from '../../storage/lancedb/vector-store.js';
import { DERIVED_SOURCE, type DeriveStep } from './co-authorship.js';

export interface RelatedPapersOptions {
  /** Neighbours kept per paper. */
  readonly neighbors: number;
  /** Below this cosine similarity a neighbour is not related, however near it ranks. */
  readonly minSimilarity: number;
}

export const DEFAULT_RELATED: RelatedPapersOptions = { neighbors: 10, minSimilarity: 0.2 };

/**
 * One bounded step of recomputing `related` edges: for the next `batch` papers after `cursor`
 * (by id), their derived `related` edges are replaced by their nearest papers in vector space
 * now, weighted by cosine similarity. Nearest neighbours are only compared within one embedder's
 * vectors, so a paper whose vector a new model has not remade yet keeps its old neighbours out.
 */
export async function relatedPapersStep(db: Database, vectors: VectorStore, cursor: string | undefined, batch: number, now: number, options: RelatedPapersOptions = DEFAULT_RELATED): Promise<DeriveStep> {
  const papers = (db.prepare('SELECT id FROM papers WHERE id > ? ORDER BY id LIMIT ?').all(cursor ?? '', batch) as { id: string }[]).map((r) => r.id);
  if (papers.length === 0) return { cursor: undefined, visited: 0, edges: 0 };
  const related: { from: string; to: string; weight: number }[] = [];
  for (const row of await vectors.getMany(papers)) {
    const hits = await vectors.search(row.vector, options.neighbors + 1, { embedder: row.embedder });
    const near = hits.filter((h) => h.id !== row.id && 1 - h.distance >= options.minSimilarity).slice(0, options.neighbors);
    for (const hit of near) related.push({ from: row.id, to: hit.id, weight: Math.min(1, 1 - hit.distance) });
  }
  const ensure = db.prepare(`INSERT INTO graph_entities (id, kind, key, created_at, updated_at) VALUES (?, 'paper', ?, ?, ?) ON CONFLICT (id) DO NOTHING`);
  const insert = db.prepare(`INSERT INTO graph_edges (from_id, kind, to_id, source, weight, at) VALUES (?, 'related', ?, ?, ?, ?)`);
  db.transaction(() => {
    db.prepare(`DELETE FROM graph_edges WHERE kind = 'related' AND source = ? AND from_id IN (SELECT 'paper:' || value FROM json_each(?))`).run(DERIVED_SOURCE, JSON.stringify(papers));
    for (const r of related) {
      for (const id of [r.from, r.to]) ensure.run(`paper:${id}`, id, now, now);
      insert.run(`paper:${r.from}`, `paper:${r.to}`, DERIVED_SOURCE, r.weight, now);
    }
  }).immediate();
  return { cursor: papers.length < batch ? undefined : papers.at(-1), visited: papers.length, edges: related.length };
}
