import type { Database, Statement } from 'better-sqlite3';

/**
 * FTS5 scores every paper a MATCH finds, so the cost of a query grows with its words' document
 * frequency: at a million papers a word in a tenth of them costs hundreds of milliseconds. A word
 * matching more than `broadWordMatches` papers is broad at this corpus size, about as telling as a
 * stopword. Measured in `bench/search`.
 */
export interface BroadWordBounds {
  /** Matches past which a word (or phrase) is broad. */
  readonly broadWordMatches: number;
  /** A query of broad words only ranks this many of its newest matches. */
  readonly broadQueryWindow: number;
}

/**
 * A window of 10,000 ranks in 15 ms p50 at 1.4M papers, 20,000 in 21 (both on one core, the
 * event loop's); it is a matter of taste: a search of broad words only sees its newest matches.
 */
export const DEFAULT_BROAD_WORD_BOUNDS: BroadWordBounds = { broadWordMatches: 50_000, broadQueryWindow: 10_000 };

/** What MATCH a search runs, and over which rows. */
export interface MatchPlan {
  readonly match: string;
  /** Only rows at or past this rowid (`papers.seq`: newer papers have higher ones). */
  readonly floor: number;
  /** Set when the plan narrowed the query, saying how. */
  readonly narrowed?: string;
}

// A word's breadth changes slowly as the corpus grows; re-probe it now and then.
const CACHE_MS = 10 * 60_000;
const CACHE_SIZE = 10_000;

/**
 * Plans the MATCH of a parsed query so that no search scores an unbounded number of rows, the
 * way search engines treat high-frequency words (Lucene's "common terms"):
 * - narrow words present: the broad ones are left out of the MATCH; the papers with the telling
 *   words are all found, and ranked by those words;
 * - broad words only: the newest `broadQueryWindow` matches are ranked (a radar's reader wants
 *   the recent ones first when the words are this general).
 * Small corpora never reach the bounds, and search there is exact BM25.
 */
export class BroadWordPlanner {
  private readonly probe: Statement;
  private readonly breadth = new Map<string, { broad: boolean; at: number }>();

  constructor(db: Database, private readonly bounds: BroadWordBounds = DEFAULT_BROAD_WORD_BOUNDS) {
    // Walks matches in rowid order without scoring them: a few milliseconds for 50,000.
    this.probe = db.prepare('SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?');
  }

  /** `parts`: the query's words and phrases, quoted; `match`: all of them joined with OR. */
  plan(parts: readonly string[], match: string): MatchPlan {
    const broad = parts.filter((part) => this.isBroad(part));
    if (broad.length === 0) return { match, floor: 0 };
    if (broad.length < parts.length) {
      return { match: parts.filter((p) => !broad.includes(p)).join(' OR '), floor: 0, narrowed: `left out words in too many papers to tell them apart: ${broad.join(', ')}` };
    }
    const row = this.probe.get(match, this.bounds.broadQueryWindow - 1) as { rowid: number } | undefined;
    return row
      ? { match, floor: row.rowid, narrowed: `every word is in too many papers to rank them all: the newest ${this.bounds.broadQueryWindow} matches were ranked` }
      : { match, floor: 0 };
  }

  private isBroad(part: string): boolean {
    const now = Date.now();
    const cached = this.breadth.get(part);
    if (cached && now - cached.at < CACHE_MS) return cached.broad;
    const broad = this.probe.get(part, this.bounds.broadWordMatches) !== undefined;
    if (this.breadth.size >= CACHE_SIZE) this.breadth.clear();
    this.breadth.set(part, { broad, at: now });
    return broad;
  }
}
