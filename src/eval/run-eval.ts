import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import { importLocally } from '../pipeline/import-locally.js';
import { systemClock } from '../runtime/clock.js';
import { evaluate } from '../search/eval-metrics.js';
import { SearchService, type SearchMode } from '../search/search-service.js';
import { readBeirQrels, readBeirQueries } from '../sources/beir.js';
import { openStore } from '../storage/store.js';

export interface ModeFigures {
  readonly 'ndcg@10': number;
  readonly 'recall@100': number;
  readonly 'mrr@10': number;
  readonly p50_ms: number;
  readonly p99_ms: number;
}

export interface EvalReport {
  readonly corpus: { documents: number; dataDir: string };
  readonly queries: number;
  readonly embedder: string;
  readonly modes: Partial<Record<SearchMode, ModeFigures>>;
}

export interface EvalOptions {
  readonly corpus: string;
  readonly queries: string;
  readonly qrels: string;
  readonly modes: readonly SearchMode[];
  /** Where to build the store; a fresh temporary dir when absent. */
  readonly dataDir?: string;
  readonly log: Logger;
  readonly onProgress?: (text: string) => void;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * `paperd eval`: loads a BEIR corpus into a fresh data dir through the normal import (journal,
 * pipeline, both stores), runs every judged query in each mode through the same search the API
 * serves, and reports nDCG@10, Recall@100, MRR@10 and latency.
 */
export async function runEval(options: EvalOptions): Promise<EvalReport> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'paperd-eval-'));
  const config = loadConfig({ env: {}, overrides: { dataDir, pipeline: { fetchPdfs: false, idleMs: 20 } } });
  options.onProgress?.(`importing ${options.corpus} into ${dataDir}`);
  const imported = await importLocally([options.corpus], config, options.log);
  const qrels = await readBeirQrels(options.qrels);
  const queries = (await readBeirQueries(options.queries)).filter((q) => qrels.has(q.id));
  const store = await openStore(dataDir, systemClock());
  const search = new SearchService({ db: store.db, vectors: store.vectors, embedder: () => store.embedder });
  search.start();
  try {
    const modes: Partial<Record<SearchMode, ModeFigures>> = {};
    for (const mode of options.modes) {
      options.onProgress?.(`running ${queries.length} queries, ${mode}`);
      const runs = new Map<string, string[]>();
      const latencies: number[] = [];
      for (const query of queries) {
        const t0 = performance.now();
        const result = await search.search({ q: query.text, mode, limit: 100 });
        latencies.push(performance.now() - t0);
        runs.set(query.id, result.hits.map((h) => h.id.replace(/^beir:/, '')));
      }
      latencies.sort((a, b) => a - b);
      const summary = evaluate(runs, qrels);
      modes[mode] = {
        'ndcg@10': round(summary.ndcgAt10),
        'recall@100': round(summary.recallAt100),
        'mrr@10': round(summary.mrrAt10),
        p50_ms: round(percentile(latencies, 50), 2),
        p99_ms: round(percentile(latencies, 99), 2),
      };
    }
    return { corpus: { documents: imported.papers, dataDir }, queries: queries.length, embedder: store.embedder.name, modes };
  } finally {
    await search.close();
    store.close();
  }
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
