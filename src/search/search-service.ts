import type { Database, Statement } from 'better-sqlite3';
import { NotFoundError } from '../errors.js';
import { embedderCannotAnswer } from '../embedding/remote-embedder.js';
import type { Embedder } from '../embedding/embedder.js';
import type { VectorHit, VectorStore } from '../storage/lancedb/vector-store.js';
import type { WriteGate } from '../storage/sqlite/write-gate.js';
import { compileFilters, type SearchFilters } from './filters.js';
import { fuseRanks, type FusedHit } from './fusion.js';
import type { FacetCount, LexicalSearchResult } from './lexical.js';
import { PaperSummaries, type PaperSummary } from './paper-summaries.js';
import { SearchReaders } from './search-readers.js';
import { addFacets, type Facets } from './search-reads.js';
import { SearchTimings } from './search-timings.js';

export type SearchMode = 'hybrid' | 'bm25' | 'vector';

export interface SearchRequest {
  readonly q: string;
  readonly mode?: SearchMode;
  readonly limit?: number;
  readonly offset?: number;
  readonly filters?: SearchFilters;
}

export interface SearchHit extends Omit<PaperSummary, 'abstract'> {
  readonly rank: number;
  readonly score: number;
  /** HTML: matched words in `<mark>`, everything else escaped. */
  readonly snippet: string;
  /** Where the hit came from: its rank in the BM25 and the vector lists. */
  readonly bm25Rank?: number;
  readonly vectorRank?: number;
  /** The paper's centrality in the knowledge graph, where it lifted the hybrid score. */
  readonly centrality?: number;
}

export interface SearchResponse {
  readonly mode: SearchMode;
  /** The embedder whose vectors the vector side searched. */
  readonly embedder: string;
  readonly hits: SearchHit[];
  readonly total: number;
  readonly facets: { categories: FacetCount[]; years: FacetCount[] };
  readonly reason?: string;
  /** How the BM25 side narrowed a query of very broad words (see `BroadWordPlanner`). */
  readonly narrowed?: string;
  /** Why the vector side is missing from these results (its embeddings endpoint did not answer). */
  readonly degraded?: string;
}

export interface SearchWeights {
  readonly lexical: number;
  readonly vector: number;
  /** RRF's k: small keeps BM25's top ranks apart, so a weaker vector side only reorders below them. */
  readonly k: number;
  /**
   * How much a paper's centrality in the knowledge graph (PageRank, scaled to [0, 1]) lifts its
   * fused score: `score × (1 + centrality × weight)`. Small, so it orders near-ties rather than
   * overturning relevance.
   */
  readonly centrality: number;
}

export interface SearchServiceOptions {
  readonly db: Database;
  readonly vectors: VectorStore;
  /** The embedder of the stored vectors, as of now (it changes when the model is refitted). */
  readonly embedder: () => Embedder;
  readonly weights?: SearchWeights;
  /** How deep each side's list goes before fusion. */
  readonly depth?: number;
  /** Threads for the SQLite reads (see `SearchReaders`); 0 reads on the caller's thread, as a one-off CLI search does. */
  readonly readerThreads?: number;
  /** The node's write gate: searches in flight are counted there, and batch writers hold back for them. */
  readonly writeGate?: WriteGate;
}

/**
 * Chosen with `paperd eval` on BEIR SciFact (809 judged queries) with the embedded LSA model:
 * with RRF's usual k = 60 any vector weight made nDCG@10 worse than BM25 alone (0.685 at 0.1,
 * 0.622 at 0.5, against 0.708), because k = 60 flattens BM25's top ranks; k = 1 with the vector
 * side at 0.2 is the only setting measured above BM25 (0.709, Recall@100 0.939 against 0.929).
 * SciFact has no links between its abstracts, so it cannot weigh centrality: 0.1 moves a paper
 * past its neighbour only where their fused scores are within 10%, below the first few ranks.
 */
export const DEFAULT_WEIGHTS: SearchWeights = { lexical: 1, vector: 0.2, k: 1, centrality: 0.1 };

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Search over both stores: FTS5 BM25 and LanceDB vectors, fused by weighted reciprocal rank
 * fusion (`hybrid`), or either alone. Filters apply to both sides (the vector side is filtered in
 * SQLite, widening its list when the filters leave too few); facets count the filtered
 * candidates of whichever lists were searched.
 */
export class SearchService {
  private readonly summaries: PaperSummaries;
  private readonly weights: SearchWeights;
  private readonly depth: number;
  private readonly statements = new Map<string, Statement>();
  private readonly reads: SearchReaders;

  constructor(private readonly options: SearchServiceOptions) {
    this.summaries = new PaperSummaries(options.db);
    this.weights = options.weights ?? DEFAULT_WEIGHTS;
    this.depth = options.depth ?? 100;
    this.reads = new SearchReaders(options.db, options.readerThreads);
  }

  /** Starts the reader threads ahead of the first search. */
  start(): void {
    this.reads.start();
  }

  close(): Promise<void> {
    return this.reads.close();
  }

  /** `timings`, when given, records how long each step took (see `SearchTimings`). */
  search(request: SearchRequest, timings = new SearchTimings()): Promise<SearchResponse> {
    const gate = this.options.writeGate;
    return gate ? gate.searching(() => this.answer(request, timings)) : this.answer(request, timings);
  }

  private async answer(request: SearchRequest, timings: SearchTimings): Promise<SearchResponse> {
    const mode = request.mode ?? 'hybrid';
    const limit = Math.min(Math.max(request.limit ?? 20, 1), 100);
    const offset = Math.max(request.offset ?? 0, 0);
    // BM25 ranks at most 1,000 deep (MAX_LIMIT); pages past that come back empty rather than failing.
    const depth = Math.min(1000, Math.max(this.depth, offset + limit));
    const embedder = this.options.embedder();
    const filters = compileFilters(request.filters);

    if (mode === 'bm25') {
      // BM25 pages itself: snippets are made for the page only.
      const lexical = await timings.time('lexical', () => this.reads.lexical(request.q, { limit, offset, filters: request.filters, snippets: true, facets: true }, timings));
      return this.respond(timings, mode, embedder, lexical.hits.map((h) => ({ id: h.id, score: h.score, bm25Rank: h.rank, snippet: h.snippet })), offset, lexical.total, lexical.facets, lexical.reason, lexical.narrowed);
    }
    // BM25 runs in a reader thread, the vector search in LanceDB's threads, and this thread
    // drives the latter between its steps: hybrid costs about the slower side, not their sum.
    let degraded: string | undefined;
    // An embedder that cannot answer (its endpoint is down) leaves BM25 to answer alone, and says so.
    const vectorSearch = (request.q.trim() ? this.vectorCandidates(request.q, embedder, depth, filters, timings) : Promise.resolve([])).catch((error: unknown) => {
      if (mode === 'vector' || !embedderCannotAnswer(error)) throw error;
      degraded = `vector search left out: ${error.message}`;
      return [] as VectorHit[];
    });
    let lexical: LexicalSearchResult | undefined;
    let lexicalFacets: Promise<Facets> | undefined;
    let vectorHits: VectorHit[];
    try {
      // Fusion reads `depth` BM25 hits; more candidates only widen a filtered search.
      lexical = mode === 'vector' ? undefined : await timings.time('lexical', () => this.reads.lexical(request.q, { limit: depth, offset: 0, filters: request.filters, snippets: false, facets: false, ...(filters.active ? {} : { candidates: depth }) }, timings));
      // The facets count every candidate: those of BM25's are counted while the vector side, the
      // slower one, is still searching, and those it adds once it answers.
      lexicalFacets = lexical && this.reads.facets(lexical.hits.map((h) => h.id), { whole: true }, timings);
      lexicalFacets?.catch(() => undefined);
      // What the vector side kept this search waiting once BM25 had answered.
      vectorHits = await timings.time('vector-wait', () => vectorSearch);
    } catch (error) {
      await Promise.all([vectorSearch.catch(() => undefined), lexicalFacets?.catch(() => undefined)]);
      throw error;
    }
    const vectorIds = vectorHits.map((h) => h.id);
    if (mode === 'vector') {
      const page = vectorIds.slice(offset, offset + limit);
      return this.respond(timings, mode, embedder, page.map((id, i) => ({ id, score: 1 / (offset + i + 1), vectorRank: offset + i + 1 })), offset, vectorIds.length, await timings.time('facets', () => this.reads.facets(vectorIds, {}, timings)), request.q.trim() ? undefined : 'the query is empty');
    }

    const lexicalIds = lexical!.hits.map((h) => h.id);
    const fused = timings.timeSync('fusion', () => this.liftedByCentrality(
      fuseRanks(
        [
          { ids: lexicalIds, weight: this.weights.lexical, scores: lexical!.hits.map((h) => h.score) },
          { ids: vectorIds, weight: this.weights.vector, scores: vectorHits.map((h) => h.distance) },
        ],
        this.weights.k,
      ),
    ));
    const page = fused.slice(offset, offset + limit);
    // Two reads, so that two reader threads make them at once.
    const lexicalSet = new Set(lexicalIds);
    const [snippets, facets] = await Promise.all([
      timings.time('snippets', () => this.reads.snippets(request.q, page.map((f) => f.id), timings)),
      timings.time('facets', () => Promise.all([lexicalFacets!, this.reads.facets([...new Set(vectorIds)].filter((id) => !lexicalSet.has(id)), { whole: true }, timings)]).then(([a, b]) => addFacets(a, b))),
    ]);
    return this.respond(
      timings,
      mode,
      embedder,
      page.map((f) => ({ id: f.id, score: f.score, bm25Rank: f.ranks[0], vectorRank: f.ranks[1], snippet: snippets.get(f.id), centrality: f.centrality })),
      offset,
      Math.max(lexical!.total, fused.length),
      facets,
      lexicalIds.length === 0 && vectorIds.length === 0 ? lexical!.reason : undefined,
      lexical!.narrowed,
      degraded,
    );
  }

  /**
   * The fused list with each score lifted by the paper's centrality (see `SearchWeights`), read
   * for the candidates only; unchanged where the graph has no ranks yet.
   */
  private liftedByCentrality(fused: FusedHit[]): (FusedHit & { centrality?: number })[] {
    if (this.weights.centrality === 0 || fused.length === 0) return fused;
    const rows = this.statement(
      'centrality',
      `SELECT substr(entity_id, 7) AS id, centrality FROM graph_centrality WHERE entity_id IN (SELECT 'paper:' || value FROM json_each(?))`,
    ).all(JSON.stringify(fused.map((f) => f.id))) as { id: string; centrality: number }[];
    if (rows.length === 0) return fused;
    const of = new Map(rows.map((r) => [r.id, r.centrality]));
    const best = (f: FusedHit) => Math.min(...f.ranks.map((r) => r ?? Infinity));
    return fused
      .map((f) => {
        const centrality = of.get(f.id);
        return centrality === undefined ? f : { ...f, score: f.score * (1 + centrality * this.weights.centrality), centrality };
      })
      .sort((a, b) => b.score - a.score || best(a) - best(b) || (a.id < b.id ? -1 : 1));
  }

  /** The papers nearest to one paper in vector space, itself excluded. @throws NotFoundError */
  async related(id: string, limit: number): Promise<SearchResponse> {
    const embedder = this.options.embedder();
    const stored = await this.options.vectors.get(id);
    if (!stored) {
      if (!this.summaries.of([id]).has(id)) throw new NotFoundError(`no paper ${JSON.stringify(id)}`);
      return { mode: 'vector', embedder: embedder.name, hits: [], total: 0, facets: { categories: [], years: [] }, reason: 'the paper has no vector yet' };
    }
    const hits = (await this.options.vectors.search(stored.vector, limit + 1, { embedder: stored.embedder })).filter((h) => h.id !== id).slice(0, limit);
    return this.respond(new SearchTimings(), 'vector', embedder, hits.map((h, i) => ({ id: h.id, score: 1 - h.distance, vectorRank: i + 1 })), 0, hits.length, await this.reads.facets(hits.map((h) => h.id)), undefined);
  }

  /** Vector hits that pass the filters, nearest first: asks LanceDB for more while filters thin them out. */
  private async vectorCandidates(q: string, embedder: Embedder, depth: number, filters: ReturnType<typeof compileFilters>, timings: SearchTimings): Promise<VectorHit[]> {
    const [vector] = await timings.time('embed', () => embedder.embed([q], { priority: 'online' }));
    if (!vector || !vector.some((x) => x !== 0)) return [];
    for (let k = depth; ; k *= 4) {
      const hits = await timings.time('ann', () => this.options.vectors.search(vector, k, { embedder: embedder.name, timings }));
      const ids = hits.map((h) => h.id);
      if (!filters.active) return hits.slice(0, depth);
      const kept = new Set(
        (this.statement(`filter:${filters.shape}`, `SELECT p.id FROM papers p WHERE p.id IN (SELECT value FROM json_each(@ids)) AND (${filters.sql})`).all({ ids: JSON.stringify(ids), ...filters.params }) as { id: string }[]).map((r) => r.id),
      );
      const passing = hits.filter((h) => kept.has(h.id));
      if (passing.length >= depth || hits.length < k || k >= depth * 64) return passing.slice(0, depth);
    }
  }

  /** Prepared once per SQL shape (filter combinations give a handful). */
  private statement(key: string, sql: string): Statement {
    let statement = this.statements.get(key);
    if (!statement) this.statements.set(key, (statement = this.options.db.prepare(sql)));
    return statement;
  }

  private respond(
    timings: SearchTimings,
    mode: SearchMode,
    embedder: Embedder,
    page: { id: string; score: number; bm25Rank?: number; vectorRank?: number; snippet?: string; centrality?: number | undefined }[],
    offset: number,
    total: number,
    facets: { categories: FacetCount[]; years: FacetCount[] },
    reason: string | undefined,
    narrowed?: string,
    degraded?: string,
  ): SearchResponse {
    const summaries = timings.timeSync('summaries', () => this.summaries.of(page.map((p) => p.id)));
    const hits: SearchHit[] = [];
    page.forEach((p, i) => {
      const s = summaries.get(p.id);
      if (!s) return;
      const { abstract, ...rest } = s;
      hits.push({
        ...rest,
        rank: offset + i + 1,
        score: p.score,
        snippet: p.snippet ?? escapeHtml(abstract.length > 240 ? `${abstract.slice(0, 240)}…` : abstract),
        ...(p.bm25Rank !== undefined ? { bm25Rank: p.bm25Rank } : {}),
        ...(p.vectorRank !== undefined ? { vectorRank: p.vectorRank } : {}),
        ...(p.centrality !== undefined ? { centrality: p.centrality } : {}),
      });
    });
    return { mode, embedder: embedder.name, hits, total, facets, ...(reason ? { reason } : {}), ...(narrowed ? { narrowed } : {}), ...(degraded ? { degraded } : {}) };
  }
}
