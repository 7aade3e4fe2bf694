/**
 * Retrieval metrics as BEIR reports them (through pytrec_eval / trec_eval): nDCG@k with graded
 * gains, Recall@k, MRR@k. Pure functions over a ranked list of document ids and the judged
 * relevance of documents; a document is relevant when its judgment is above 0, as with
 * trec_eval's default relevance level of 1.
 */

/** Judged documents of one query: document id → relevance (0 or less: judged not relevant). */
export type Judgments = ReadonlyMap<string, number>;

/** Relevance judgments of a query set: query id → judged documents. */
export type QueryJudgments = ReadonlyMap<string, Judgments>;

/** The mean of each metric over the queries evaluated. */
export interface EvaluationSummary {
  /** Queries averaged over: those with at least one relevant document. */
  readonly queries: number;
  readonly ndcgAt10: number;
  readonly recallAt100: number;
  readonly mrrAt10: number;
}

function positiveCount(k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`a cutoff must be a positive integer, got ${k}`);
  return k;
}

/**
 * The first k ids with repeats dropped: a run that lists a document twice must not collect its
 * gain twice (trec_eval reads a run as one score per document).
 */
function topDistinct(k: number, ranked: readonly string[]): string[] {
  const seen = new Set<string>();
  const top: string[] = [];
  for (const id of ranked) {
    if (top.length === k) break;
    if (seen.has(id)) continue;
    seen.add(id);
    top.push(id);
  }
  return top;
}

function gainOf(relevant: Judgments, id: string): number {
  const rel = relevant.get(id) ?? 0;
  return rel > 0 ? rel : 0;
}

function relevantCount(relevant: Judgments): number {
  let n = 0;
  for (const rel of relevant.values()) if (rel > 0) n++;
  return n;
}

/**
 * nDCG@k: Σ gain(i) / log2(i + 2) over the first k results (i from 0), gain being the judged
 * relevance, divided by the same sum over the judgments sorted best first. 0 when no document
 * is relevant.
 */
export function ndcgAt(k: number, ranked: readonly string[], relevant: Judgments): number {
  positiveCount(k);
  let dcg = 0;
  topDistinct(k, ranked).forEach((id, i) => {
    dcg += gainOf(relevant, id) / Math.log2(i + 2);
  });
  const ideal = [...relevant.values()].filter((rel) => rel > 0).sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((sum, rel, i) => sum + rel / Math.log2(i + 2), 0);
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Recall@k: relevant documents among the first k results over all relevant documents. 0 when none is relevant. */
export function recallAt(k: number, ranked: readonly string[], relevant: Judgments): number {
  positiveCount(k);
  const total = relevantCount(relevant);
  if (total === 0) return 0;
  return topDistinct(k, ranked).filter((id) => gainOf(relevant, id) > 0).length / total;
}

/** MRR@k (the reciprocal rank of one query): 1 / the 1-based position of the first relevant result within k, else 0. */
export function mrrAt(k: number, ranked: readonly string[], relevant: Judgments): number {
  positiveCount(k);
  const position = topDistinct(k, ranked).findIndex((id) => gainOf(relevant, id) > 0);
  return position === -1 ? 0 : 1 / (position + 1);
}

/**
 * nDCG@10, Recall@100 and MRR@10 averaged over the judged queries that have a relevant document.
 * A judged query missing from `runs` retrieved nothing and scores 0, as BEIR counts it; runs of
 * queries with no judgments are ignored. Ids in runs and judgments must be the same kind (map
 * paperd's `beir:<id>` back before calling).
 */
export function evaluate(runs: ReadonlyMap<string, readonly string[]>, qrels: QueryJudgments): EvaluationSummary {
  let queries = 0;
  let ndcg = 0;
  let recall = 0;
  let mrr = 0;
  for (const [queryId, relevant] of qrels) {
    if (relevantCount(relevant) === 0) continue;
    const ranked = runs.get(queryId) ?? [];
    queries++;
    ndcg += ndcgAt(10, ranked, relevant);
    recall += recallAt(100, ranked, relevant);
    mrr += mrrAt(10, ranked, relevant);
  }
  if (queries === 0) return { queries: 0, ndcgAt10: 0, recallAt100: 0, mrrAt10: 0 };
  return { queries, ndcgAt10: ndcg / queries, recallAt100: recall / queries, mrrAt10: mrr / queries };
}
