/**
 * BM25 on BEIR SciFact through the real search path: the corpus goes into a temporary SQLite
 * store through `PaperStore.upsertMany` (ids `beir:<id>`), every judged query goes through
 * `searchLexical` (top 100), and BEIR's metrics are printed.
 *
 *   node --import tsx bench/support/scifact-bm25.ts [--dir ../shared/eval/scifact] [--weights 2,1,0.5] [--sweep]
 *
 * `--sweep` tries a grid of title/abstract weights on the same index and prints each, to tune
 * `LEXICAL_BM25_WEIGHTS`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { PaperRecord } from '../../src/protocols/paper.js';
import { evaluate, type EvaluationSummary } from '../../src/search/eval-metrics.js';
import { LEXICAL_BM25_WEIGHTS, searchLexical, type Bm25Weights } from '../../src/search/lexical.js';
import { readBeirCorpus, readBeirQrels, readBeirQueries, type BeirQrels, type BeirQuery } from '../../src/sources/beir.js';
import { openDatabase, type Database } from '../../src/storage/sqlite/database.js';
import { PaperStore } from '../../src/storage/sqlite/papers.js';

const BEIR_PREFIX = 'beir:';
const BATCH = 1000;

async function load(db: Database, corpusFile: string): Promise<number> {
  const store = new PaperStore(db);
  let batch: PaperRecord[] = [];
  let loaded = 0;
  const rejected: string[] = [];
  for await (const record of readBeirCorpus(corpusFile, { onRejected: (r) => rejected.push(`line ${r.line}: ${r.reason}`) })) {
    batch.push(record);
    if (batch.length === BATCH) {
      loaded += batch.length;
      store.upsertMany(batch);
      batch = [];
    }
  }
  store.upsertMany(batch);
  loaded += batch.length;
  if (rejected.length > 0) console.warn(`${rejected.length} corpus lines rejected, first: ${rejected[0]}`);
  return loaded;
}

function run(db: Database, queries: readonly BeirQuery[], qrels: BeirQrels, weights: Bm25Weights): { summary: EvaluationSummary; ms: number; empty: number } {
  const runs = new Map<string, string[]>();
  let empty = 0;
  const started = performance.now();
  for (const query of queries) {
    if (!qrels.has(query.id)) continue;
    const result = searchLexical(db, query.text, { limit: 100, snippets: false, facets: false, weights });
    if (result.reason !== undefined) empty++;
    runs.set(query.id, result.hits.map((hit) => (hit.id.startsWith(BEIR_PREFIX) ? hit.id.slice(BEIR_PREFIX.length) : hit.id)));
  }
  return { summary: evaluate(runs, qrels), ms: performance.now() - started, empty };
}

function print(weights: Bm25Weights, { summary, ms, empty }: ReturnType<typeof run>): void {
  const w = `${weights.title},${weights.abstract},${weights.body}`;
  console.log(
    `weights ${w.padEnd(12)} queries ${summary.queries}  nDCG@10 ${summary.ndcgAt10.toFixed(4)}  Recall@100 ${summary.recallAt100.toFixed(4)}  ` +
      `MRR@10 ${summary.mrrAt10.toFixed(4)}  (${(ms / Math.max(1, summary.queries)).toFixed(2)} ms/query${empty > 0 ? `, ${empty} unsearchable` : ''})`,
  );
}

function parseWeights(text: string): Bm25Weights {
  const [title, abstract, body] = text.split(',').map(Number);
  if (![title, abstract, body].every((n) => n !== undefined && Number.isFinite(n))) throw new Error(`--weights wants three numbers, got ${text}`);
  return { title: title!, abstract: abstract!, body: body! };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dir: { type: 'string', default: path.join('..', 'shared', 'eval', 'scifact') }, weights: { type: 'string' }, sweep: { type: 'boolean', default: false } },
  });
  const dir = values.dir!;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-scifact-'));
  const db = openDatabase(path.join(tmp, 'paperd.sqlite'));
  try {
    const started = performance.now();
    const loaded = await load(db, path.join(dir, 'corpus.jsonl'));
    const queries = await readBeirQueries(path.join(dir, 'queries.jsonl'));
    const qrels = await readBeirQrels(path.join(dir, 'qrels.tsv'));
    console.log(`${loaded} documents loaded in ${((performance.now() - started) / 1000).toFixed(1)} s; ${queries.filter((q) => qrels.has(q.id)).length} of ${queries.length} queries judged`);

    if (values.sweep) {
      for (const title of [0.5, 1, 1.5, 2, 3, 5, 10]) print({ title, abstract: 1, body: 1 }, run(db, queries, qrels, { title, abstract: 1, body: 1 }));
    } else {
      const weights = values.weights === undefined ? LEXICAL_BM25_WEIGHTS : parseWeights(values.weights);
      print(weights, run(db, queries, qrels, weights));
    }
  } finally {
    db.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
