import type { Database } from 'better-sqlite3';
import { availableParallelism } from 'node:os';
import { PersistentWorker } from '../runtime/persistent-worker.js';
import { answered, answerSearchRead, type Facets, type SearchRead, type SearchReadAnswer, type SearchReadResults } from './search-reads.js';
import type { LexicalSearchOptions, LexicalSearchResult } from './lexical.js';
import type { SearchTimings } from './search-timings.js';

const ENTRY = new URL('./search-read-worker.ts', import.meta.url);

/** @internal what a reader thread starts with */
export interface SearchReaderData {
  readonly file: string;
  /** Its connection's page cache: FTS5's doclists of the words people search stay in it. */
  readonly cacheKib: number;
}

const READER_CACHE_KIB = 32 * 1024;

/** One reader per core, at most two: a search waits on its vector side beside it, not on another search's reads. */
export const DEFAULT_SEARCH_READERS = Math.min(2, availableParallelism());

/**
 * The SQLite reads of searches (BM25, snippets, facets), in reader threads with read-only
 * connections of their own. On the event loop a BM25 search held the thread for 15–45 ms at a
 * million papers, and LanceDB's vector search, although it runs in LanceDB's threads, needs the
 * event loop between its steps: the two sides ran one after the other. With the reads here they
 * run at once, and two searches do not queue behind each other's reads. A store without a file
 * (in memory), or `threads: 0`, reads in place. The threads keep the event loop's CPU priority
 * (batch threads run at nice 10): lowered with them, a BM25 read took 61 ms p99 during an import
 * at a million papers, and 43 ms at the event loop's priority.
 */
export class SearchReaders {
  private readonly threads: { readonly worker: PersistentWorker<SearchRead, SearchReadAnswer>; inFlight: number }[];

  constructor(private readonly db: Database, threads = DEFAULT_SEARCH_READERS) {
    const count = db.memory ? 0 : threads;
    this.threads = Array.from({ length: count }, (_, i) => ({
      worker: new PersistentWorker<SearchRead, SearchReadAnswer>(ENTRY, `search reader ${i + 1}`, { workerData: { file: db.name, cacheKib: READER_CACHE_KIB } satisfies SearchReaderData, foreground: true }),
      inFlight: 0,
    }));
  }

  /** Starts the threads now, so the first searches do not wait for them to load. */
  start(): void {
    for (const thread of this.threads) thread.worker.start();
  }

  /** @throws InvalidSearchOptionsError for options `searchLexical` refuses */
  lexical(query: string, options: LexicalSearchOptions, timings?: SearchTimings): Promise<LexicalSearchResult> {
    return this.read({ kind: 'lexical', query, options }, timings);
  }

  /** HTML snippets of these papers for the query, by id (those with matching text). */
  snippets(query: string, ids: readonly string[], timings?: SearchTimings): Promise<Map<string, string>> {
    return this.read({ kind: 'snippets', query, ids }, timings);
  }

  /** Counts by category and year over these papers; `whole` keeps every category (see `addFacets`). */
  facets(ids: readonly string[], options: { whole?: boolean } = {}, timings?: SearchTimings): Promise<Facets> {
    return this.read({ kind: 'facets', ids, ...(options.whole ? { whole: true } : {}) }, timings);
  }

  close(): Promise<void> {
    return Promise.all(this.threads.map((t) => t.worker.close())).then(() => undefined);
  }

  /** On the least busy thread, or in place without threads; `timings` gets the time in SQLite as `<kind>-sqlite`. */
  private async read<K extends SearchRead['kind']>(read: Extract<SearchRead, { kind: K }>, timings: SearchTimings | undefined): Promise<SearchReadResults[K]> {
    const answer = await this.answer(read);
    if (timings && 'ms' in answer) timings.record(`${read.kind}-sqlite`, answer.ms);
    return answered<K>(answer);
  }

  private async answer(read: SearchRead): Promise<SearchReadAnswer> {
    if (this.threads.length === 0) return answerSearchRead(this.db, read);
    const thread = this.threads.reduce((best, t) => (t.inFlight < best.inFlight ? t : best));
    thread.inFlight++;
    try {
      return await thread.worker.request(read);
    } finally {
      thread.inFlight--;
    }
  }
}
