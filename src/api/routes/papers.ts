import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EnrichmentEntities } from '../../enrichment/index.js';
import { Type } from '@sinclair/typebox';
import type { Database } from 'better-sqlite3';
import { paperDetails } from '../../papers/paper-details.js';
import { storeCounts } from '../../papers/stats.js';
import { latestQualityReport } from '../../offline/quality/quality-class.js';
import type { SearchService } from '../../search/search-service.js';
import { SearchTimings } from '../../search/search-timings.js';
import { ErrorBody } from '../schemas.js';

export interface PaperRouteDeps {
  readonly db: Database;
  readonly search: SearchService;
  readonly categories: readonly string[];
  readonly pipelineDepth: () => number | null;
}

const Facet = Type.Object({ value: Type.String(), count: Type.Integer() });
const Hit = Type.Object({
  id: Type.String(), version: Type.Integer(), title: Type.String(), authors: Type.Array(Type.String()),
  published: Type.Union([Type.String(), Type.Null()]), primaryCategory: Type.Union([Type.String(), Type.Null()]),
  categories: Type.Array(Type.String()), hasCode: Type.Boolean(), rank: Type.Integer(), score: Type.Number(),
  snippet: Type.String({ description: 'HTML: matched words in <mark>, the rest escaped' }),
  bm25Rank: Type.Optional(Type.Integer()), vectorRank: Type.Optional(Type.Integer()),
  centrality: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "the paper's centrality in the knowledge graph (PageRank, log-scaled), where it lifted the hybrid score" })),
});
const SearchResult = Type.Object({
  mode: Type.String(), embedder: Type.String({ description: 'the embedder that made the vectors searched' }),
  hits: Type.Array(Hit), total: Type.Integer(),
  facets: Type.Object({ categories: Type.Array(Facet), years: Type.Array(Facet) }),
  reason: Type.Optional(Type.String({ description: 'why there are no results, when the query cannot match' })),
  degraded: Type.Optional(Type.String({ description: 'why the vector side is missing (its embeddings endpoint did not answer)' })),
  narrowed: Type.Optional(Type.String({ description: 'how BM25 narrowed a query whose words are in too many papers to score every match' })),
});
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const PaperDetailsSchema = Type.Object({
  id: Type.String(), version: Type.Integer(), title: Type.String(), abstract: Type.String(),
  authors: Type.Array(Type.Object({ name: Type.String(), affiliations: Type.Array(Type.String()) })),
  categories: Type.Array(Type.String()), primaryCategory: Nullable(Type.String()), published: Nullable(Type.String()), updated: Nullable(Type.String()),
  comment: Nullable(Type.String()), journalRef: Nullable(Type.String()), doi: Nullable(Type.String()), license: Nullable(Type.String()),
  source: Type.String(), hasCode: Type.Boolean(),
  pdf: Type.Object({ status: Type.String(), sha256: Nullable(Type.String()), error: Nullable(Type.String()) }),
  text: Type.Object({ status: Type.String(), chars: Type.Integer() }),
  versions: Type.Array(Type.Object({ version: Type.Integer(), title: Type.String(), updated: Nullable(Type.String()) })),
  links: Type.Array(Type.Object({ rel: Type.String(), href: Type.String() })),
  summary: Nullable(Type.String({ description: "the enrichment's TL;DR" })),
  enrichment: Nullable(Type.Object({
    version: Type.Integer({ description: 'the paper version it was made from' }),
    tags: Type.Array(Type.String()),
    entities: EnrichmentEntities,
    producer: Type.String({ description: 'llm, or fallback (the embedded rules) until an LLM redoes it' }),
    model: Nullable(Type.String()),
  })),
});
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

/** Search, papers, related papers and store statistics: the read side of the API. */
export const paperRoutes: FastifyPluginAsyncTypebox<PaperRouteDeps> = async (app, deps) => {
  app.get(
    '/v1/search',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Hybrid search (BM25 and vectors, fused), or either alone',
        querystring: Type.Object({
          q: Type.String({ maxLength: 4096 }),
          mode: Type.Optional(Type.Union([Type.Literal('hybrid'), Type.Literal('bm25'), Type.Literal('vector')])),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, default: 0 })),
          category: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 50 })])),
          from: Type.Optional(Day),
          until: Type.Optional(Day),
          source: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 10 })])),
          hasCode: Type.Optional(Type.Boolean()),
        }),
        response: { 200: SearchResult, 400: ErrorBody },
      },
    },
    async (req, reply) => {
      const { q, mode, limit, offset, category, from, until, source, hasCode } = req.query;
      const list = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
      const timings = new SearchTimings();
      const result = await deps.search.search(
        { q, mode, limit, offset, filters: { categories: list(category), from, until, source: list(source), ...(hasCode !== undefined ? { hasCode } : {}) } },
        timings,
      );
      void reply.header('server-timing', timings.header());
      return result;
    },
  );

  app.get(
    '/v1/papers/:id',
    { config: { scope: 'read' }, schema: { summary: 'One paper: metadata, versions, links, PDF and text status', params: Type.Object({ id: Type.String({ maxLength: 200 }) }), response: { 200: PaperDetailsSchema, 404: ErrorBody } } },
    async (req) => paperDetails(deps.db, req.params.id),
  );

  app.get(
    '/v1/papers/:id/related',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The papers nearest to this one in vector space',
        params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })) }),
        response: { 200: SearchResult, 404: ErrorBody },
      },
    },
    async (req) => deps.search.related(req.params.id, req.query.limit ?? 10),
  );

  app.get('/v1/stats', { config: { scope: 'read' }, schema: { summary: 'Counts, the last announcement seen, pipeline depth; content quality checks' } }, async () => ({
    ...storeCounts(deps.db, deps.categories),
    pipelineDepth: deps.pipelineDepth(),
    // Offline part: the last content quality report (empty abstracts, broken PDFs, OCR, stale
    // enrichment), computed by the offline `quality` class; null before its first run.
    quality: latestQualityReport(deps.db),
  }));
};
