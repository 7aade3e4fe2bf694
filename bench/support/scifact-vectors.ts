/**
 * How well the embedded LSA embedder retrieves on SciFact (BEIR), alone and fused with BM25.
 *
 *   node --import tsx bench/support/scifact-vectors.ts [--dimensions 256] [--vocabulary 50000]
 *     [--sigma 0.5] [--bigrams] [--power 2] [--min-df 1] [--max-df 0.5] [--weights 0.05,0.1,0.25,0.5,1]
 *     [--dir ../shared/eval/scifact] [--hash]
 *
 * Fits on the corpus (title + text), embeds the corpus and every query judged in qrels.tsv, ranks
 * by exact cosine in memory, and prints nDCG@10 (gain = relevance, discount log2(i + 2)),
 * Recall@100 and MRR@10; then the same for an in-memory BM25 (k1 0.9, b 0.4, the same tokenizer)
 * and for weighted reciprocal rank fusion, 1/(60 + rank_lex) + w_vec/(60 + rank_vec). `--hash`
 * measures the hash embedder instead, as the baseline LSA replaces.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Embedder } from '../../src/embedding/embedder.js';
import { HashEmbedder } from '../../src/embedding/hash-embedder.js';
import { fitLsa, LsaEmbedder, tokenize } from '../../src/embedding/lsa/index.js';
import { readBeirCorpus, readBeirQrels, readBeirQueries, type BeirQrels } from '../../src/sources/beir.js';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string', default: path.join(import.meta.dirname, '../../../shared/eval/scifact') },
    dimensions: { type: 'string', default: '256' },
    vocabulary: { type: 'string', default: '50000' },
    sigma: { type: 'string', default: '0.5' },
    bigrams: { type: 'boolean', default: false },
    power: { type: 'string', default: '2' },
    'min-df': { type: 'string', default: '1' },
    'max-df': { type: 'string', default: '0.5' },
    weights: { type: 'string', default: '0.05,0.1,0.25,0.5,1' },
    hash: { type: 'boolean', default: false },
  },
});

const DEPTH = 100;
const RRF_K = 60;

interface Ranked {
  readonly doc: number;
  readonly score: number;
}

async function main(): Promise<void> {
  const docIds: string[] = [];
  const docTexts: string[] = [];
  for await (const paper of readBeirCorpus(path.join(args.dir, 'corpus.jsonl'))) {
    docIds.push(paper.id.replace(/^beir:/, ''));
    // As vector sync builds a paper's text (paperVectorText).
    docTexts.push(`${paper.title}\n\n${paper.abstract}`);
  }
  const qrels = await readBeirQrels(path.join(args.dir, 'qrels.tsv'));
  const queries = (await readBeirQueries(path.join(args.dir, 'queries.jsonl'))).filter((q) => qrels.has(q.id));
  console.log(`SciFact: ${docTexts.length} documents, ${queries.length} judged queries`);

  const fitStarted = performance.now();
  const embedder: Embedder = args.hash
    ? new HashEmbedder()
    : await fitLsa(docTexts, {
        dimensions: Number(args.dimensions),
        vocabulary: Number(args.vocabulary),
        sigmaExponent: Number(args.sigma),
        bigrams: args.bigrams,
        powerIterations: Number(args.power),
        minDocumentFrequency: Number(args['min-df']),
        maxDocumentFraction: Number(args['max-df']),
      });
  const fitMs = performance.now() - fitStarted;
  const embedStarted = performance.now();
  const docVectors = await embedder.embed(docTexts);
  const embedMs = performance.now() - embedStarted;
  const queryStarted = performance.now();
  const queryVectors = await embedder.embed(queries.map((q) => q.text));
  const queryMs = performance.now() - queryStarted;
  console.log(
    `${embedder.name}: ${embedder instanceof LsaEmbedder ? `${embedder.model.terms.length} terms, ` : ''}fit ${(fitMs / 1000).toFixed(1)} s, ` +
      `embed ${docTexts.length} docs ${(embedMs / 1000).toFixed(2)} s (${((embedMs * 1000) / docTexts.length).toFixed(0)} µs/doc), ` +
      `${queries.length} queries ${queryMs.toFixed(0)} ms`,
  );

  const vectorRuns = queryVectors.map((q) => topByCosine(q, docVectors));
  const bm25 = new Bm25(docTexts.map(tokenize));
  const lexicalRuns = queries.map((q) => bm25.search(tokenize(q.text)));

  const show = (label: string, runs: readonly Ranked[][]) => report(label, runs, queries.map((q) => q.id), qrels, docIds);
  show('vector only', vectorRuns);
  show('BM25 only', lexicalRuns);
  for (const w of args.weights.split(',').map(Number)) {
    show(`RRF w_lex=1 w_vec=${w}`, queries.map((_, i) => fuse(lexicalRuns[i]!, vectorRuns[i]!, 1, w)));
  }
}

function report(label: string, runs: readonly Ranked[][], queryIds: readonly string[], qrels: BeirQrels, docIds: readonly string[]): void {
  const m = evaluate(runs, queryIds, qrels, docIds);
  console.log(`${label.padEnd(24)} nDCG@10 ${m.ndcg10.toFixed(4)}  Recall@100 ${m.recall100.toFixed(4)}  MRR@10 ${m.mrr10.toFixed(4)}`);
}

/** The DEPTH documents nearest by cosine (vectors are unit length or zero, so a dot product). */
function topByCosine(query: Float32Array, docs: readonly Float32Array[]): Ranked[] {
  const scored: Ranked[] = docs.map((d, doc) => {
    let dot = 0;
    for (let j = 0; j < d.length; j++) dot += d[j]! * query[j]!;
    return { doc, score: dot };
  });
  return top(scored);
}

function top(scored: Ranked[]): Ranked[] {
  return scored.sort((a, b) => b.score - a.score || a.doc - b.doc).slice(0, DEPTH);
}

/** Okapi BM25 over an in-memory inverted index, Lucene's idf: ln(1 + (N − df + 0.5) / (df + 0.5)). */
class Bm25 {
  private readonly postings = new Map<string, { doc: number; tf: number }[]>();
  private readonly lengths: Float64Array;
  private readonly averageLength: number;

  constructor(docs: readonly string[][], private readonly k1 = 0.9, private readonly b = 0.4) {
    this.lengths = Float64Array.from(docs, (d) => d.length);
    this.averageLength = this.lengths.reduce((s, x) => s + x, 0) / docs.length;
    docs.forEach((terms, doc) => {
      const counts = new Map<string, number>();
      for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (const [t, tf] of counts) {
        const list = this.postings.get(t) ?? [];
        list.push({ doc, tf });
        this.postings.set(t, list);
      }
    });
  }

  search(queryTerms: readonly string[]): Ranked[] {
    const scores = new Map<number, number>();
    const n = this.lengths.length;
    for (const term of new Set(queryTerms)) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
      for (const { doc, tf } of list) {
        const norm = this.k1 * (1 - this.b + (this.b * this.lengths[doc]!) / this.averageLength);
        scores.set(doc, (scores.get(doc) ?? 0) + (idf * tf * (this.k1 + 1)) / (tf + norm));
      }
    }
    return top([...scores].map(([doc, score]) => ({ doc, score })));
  }
}

/** Weighted reciprocal rank fusion of two ranked lists (ranks from 1). */
function fuse(lexical: readonly Ranked[], vector: readonly Ranked[], wLex: number, wVec: number): Ranked[] {
  const scores = new Map<number, number>();
  lexical.forEach(({ doc }, i) => scores.set(doc, (scores.get(doc) ?? 0) + wLex / (RRF_K + i + 1)));
  vector.forEach(({ doc }, i) => scores.set(doc, (scores.get(doc) ?? 0) + wVec / (RRF_K + i + 1)));
  return top([...scores].map(([doc, score]) => ({ doc, score })));
}

/** Mean nDCG@10, Recall@100 and MRR@10 over the queries, BEIR's definitions (pytrec_eval). */
function evaluate(runs: readonly Ranked[][], queryIds: readonly string[], judged: BeirQrels, docIds: readonly string[]): { ndcg10: number; recall100: number; mrr10: number } {
  let ndcg = 0;
  let recall = 0;
  let mrr = 0;
  runs.forEach((run, i) => {
    const relevance = judged.get(queryIds[i]!)!;
    const gains = run.map(({ doc }) => relevance.get(docIds[doc]!) ?? 0);
    const dcg = gains.slice(0, 10).reduce((s, g, r) => s + g / Math.log2(r + 2), 0);
    const ideal = [...relevance.values()].sort((a, b) => b - a).slice(0, 10).reduce((s, g, r) => s + g / Math.log2(r + 2), 0);
    ndcg += ideal > 0 ? dcg / ideal : 0;
    const relevant = [...relevance.values()].filter((g) => g > 0).length;
    recall += relevant > 0 ? gains.slice(0, DEPTH).filter((g) => g > 0).length / relevant : 0;
    const first = gains.slice(0, 10).findIndex((g) => g > 0);
    mrr += first >= 0 ? 1 / (first + 1) : 0;
  });
  return { ndcg10: ndcg / runs.length, recall100: recall / runs.length, mrr10: mrr / runs.length };
}

await main();
