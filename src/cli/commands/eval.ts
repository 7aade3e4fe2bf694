import { Option, type Command } from 'commander';
import { runEval } from '../../eval/run-eval.js';
import { createLogger } from '../../runtime/logger.js';
import type { SearchMode } from '../../search/search-service.js';

/** `paperd eval`: search quality and latency on a BEIR data set, per mode. */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('measure search on a BEIR data set: nDCG@10, Recall@100, MRR@10, latency, per mode')
    .requiredOption('--corpus <file>', 'corpus.jsonl')
    .requiredOption('--queries <file>', 'queries.jsonl')
    .requiredOption('--qrels <file>', 'qrels.tsv')
    .addOption(new Option('--mode <mode>', 'only this mode').choices(['hybrid', 'bm25', 'vector']))
    .option('--data <dir>', 'build the store here (default: a fresh temporary dir)')
    .option('--json', 'one JSON object: {"modes": {"hybrid": {…}, "bm25": {…}, "vector": {…}}}')
    .action(async (opts: { corpus: string; queries: string; qrels: string; mode?: SearchMode; data?: string; json?: boolean }) => {
      const log = createLogger({ level: 'warn', stderr: true });
      const report = await runEval({
        corpus: opts.corpus, queries: opts.queries, qrels: opts.qrels, log,
        modes: opts.mode ? [opts.mode] : ['hybrid', 'bm25', 'vector'],
        ...(opts.data ? { dataDir: opts.data } : {}),
        onProgress: opts.json ? undefined : (text) => process.stderr.write(`${text}\n`),
      });
      if (opts.json) return void console.log(JSON.stringify(report));
      console.log(`${report.corpus.documents} documents, ${report.queries} queries, vectors by ${report.embedder}\n`);
      console.log(`${'mode'.padEnd(8)} ${'nDCG@10'.padStart(8)} ${'R@100'.padStart(8)} ${'MRR@10'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
      for (const [mode, f] of Object.entries(report.modes)) {
        console.log(`${mode.padEnd(8)} ${f['ndcg@10'].toFixed(4).padStart(8)} ${f['recall@100'].toFixed(4).padStart(8)} ${f['mrr@10'].toFixed(4).padStart(8)} ${f.p50_ms.toFixed(1).padStart(8)} ${f.p99_ms.toFixed(1).padStart(8)}`);
      }
    });
}
