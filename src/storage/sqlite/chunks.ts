import type { Database, Statement } from 'better-sqlite3';
import type { TextChunk } from '../../extractor/chunks.js';

/** A paper's chunks (`paper_chunks`): written by the extractor, read by chunk vector sync. */
export class PaperChunks {
  private readonly clear: Statement<[string]>;
  private readonly insert: Statement<[string, number, string]>;
  private readonly select: Statement<[string]>;

  constructor(db: Database) {
    this.clear = db.prepare('DELETE FROM paper_chunks WHERE paper_id = ?');
    this.insert = db.prepare('INSERT INTO paper_chunks (paper_id, idx, text) VALUES (?, ?, ?)');
    this.select = db.prepare('SELECT paper_id AS paperId, idx, text FROM paper_chunks WHERE paper_id IN (SELECT value FROM json_each(?)) ORDER BY paper_id, idx');
  }

  /** Replaces the paper's chunks (call inside the transaction that changes its text). */
  replace(paperId: string, chunks: readonly TextChunk[]): void {
    this.clear.run(paperId);
    for (const c of chunks) this.insert.run(paperId, c.index, c.text);
  }

  /** The chunks of these papers, in order. */
  of(paperIds: readonly string[]): { paperId: string; idx: number; text: string }[] {
    return this.select.all(JSON.stringify(paperIds)) as { paperId: string; idx: number; text: string }[];
  }
}
