import type { Database } from 'better-sqlite3';

/** Papers with more authors than this (collaborations of hundreds) link no one: every pair would be an edge. */
export const MAX_AUTHORS_PER_PAPER = 50;

export const DERIVED_SOURCE = 'derived';

export interface DeriveStep {
  /** Where the next step starts; undefined when the pass is complete. */
  readonly cursor: string | undefined;
  /** Entities the step looked at. */
  readonly visited: number;
  /** Derived edges it wrote. */
  readonly edges: number;
}

/**
 * One bounded step of recomputing co-authorship: for the next `batch` authors after `cursor` (by
 * id), their `co_author` edges are replaced by what the `authored` edges say now, weighted by the
 * number of papers written together (whichever sources said who wrote them). Each author writes its own out-edges, so the relation comes
 * out symmetric; a step is one transaction, so a pass stopped between steps resumes at its cursor.
 */
export function coAuthorshipStep(db: Database, cursor: string | undefined, batch: number, now: number): DeriveStep {
  const authors = (db.prepare(`SELECT id FROM graph_entities WHERE kind = 'author' AND id > ? ORDER BY id LIMIT ?`).all(cursor ?? '', batch) as { id: string }[]).map((r) => r.id);
  if (authors.length === 0) return { cursor: undefined, visited: 0, edges: 0 };
  const ids = JSON.stringify(authors);
  const edges = db.transaction(() => {
    db.prepare(`DELETE FROM graph_edges WHERE kind = 'co_author' AND source = ? AND from_id IN (SELECT value FROM json_each(?))`).run(DERIVED_SOURCE, ids);
    return db
      .prepare(
        `INSERT INTO graph_edges (from_id, kind, to_id, source, weight, at)
         SELECT mine.from_id, 'co_author', theirs.from_id, @source, count(DISTINCT mine.to_id), @now
         FROM graph_edges mine
         JOIN graph_edges theirs ON theirs.to_id = mine.to_id AND theirs.kind = 'authored' AND theirs.from_id <> mine.from_id
         WHERE mine.kind = 'authored' AND mine.from_id IN (SELECT value FROM json_each(@ids))
           AND (SELECT count(DISTINCT n.from_id) FROM graph_edges n WHERE n.to_id = mine.to_id AND n.kind = 'authored') <= @max
         GROUP BY mine.from_id, theirs.from_id`,
      )
      .run({ source: DERIVED_SOURCE, now, ids, max: MAX_AUTHORS_PER_PAPER }).changes;
  }).immediate();
  return { cursor: authors.length < batch ? undefined : authors.at(-1), visited: authors.length, edges };
}
