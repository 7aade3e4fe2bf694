import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { loadConfig } from '../../config/load.js';
import { BadInputError } from '../../errors.js';
import { callNode } from '../client.js';
import { journalSink } from '../../pipeline/journal-sink.js';
import { runLocally } from '../../pipeline/run-locally.js';
import { createLogger } from '../../runtime/logger.js';
import { harvest, type HarvestResult } from '../../sources/arxiv/oai-harvester.js';
import { SqliteCheckpointStore } from '../../storage/sqlite/checkpoints.js';

interface BackfillOpts {
  from: string;
  until: string;
  set?: string;
  data: string;
  url?: string;
  config?: string;
  json?: boolean;
}

const day = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `paperd backfill`: harvests arXiv's OAI-PMH (arXivRaw) for a date range and set into the
 * journal, with a progress bar; interrupted (Ctrl-C, a crash), it resumes from the last page the
 * journal accepted when run again with the same arguments.
 */
export function registerBackfill(program: Command): void {
  program
    .command('backfill')
    .description("harvest arXiv's OAI-PMH for a date range into the store (resumable)")
    .requiredOption('--from <YYYY-MM-DD>', 'first datestamp, inclusive')
    .requiredOption('--until <YYYY-MM-DD>', 'last datestamp, inclusive')
    .option('--set <set>', 'OAI set, e.g. cs or physics:hep-th (default: everything)')
    .option('--data <dir>', 'data directory', './data')
    .option('--url <url>', 'a running node: queue the backfill there as offline work (see `paperd jobs`)')
    .option('--config <file>', 'JSON config file')
    .option('--json', 'machine output')
    .action(async (opts: BackfillOpts) => {
      if (!day.test(opts.from) || !day.test(opts.until)) throw new BadInputError(`--from and --until take YYYY-MM-DD dates, not ${opts.from} and ${opts.until}`);
      if (opts.from > opts.until) throw new BadInputError(`--from ${opts.from} is after --until ${opts.until}`);
      if (opts.url) return void (await queueOnNode(opts));
      const config = loadConfig({ file: opts.config, overrides: { dataDir: opts.data, pipeline: { fetchPdfs: false } } });
      const log = createLogger({ level: 'warn', stderr: true });
      const abort = new AbortController();
      const stop = () => abort.abort(new Error('interrupted'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const bar = !opts.json && process.stderr.isTTY
        ? new SingleBar({ format: 'harvest |{bar}| {value}/{total} records | {pages} pages | ETA {eta_formatted}', stream: process.stderr, etaBuffer: 20 })
        : undefined;
      bar?.start(1, 0, { pages: 0 });
      let result: HarvestResult & { papers: number };
      try {
        result = await runLocally(config, log, 'backfill', {
          work: ({ runtime, ingestion }) =>
            harvest({
              client: runtime.arxiv,
              sink: journalSink(runtime.store.journal, ingestion),
              checkpoints: new SqliteCheckpointStore(runtime.store.db),
              from: opts.from,
              until: opts.until,
              ...(opts.set ? { set: opts.set } : {}),
              signal: abort.signal,
              logger: log,
              onProgress: (p) => {
                if (p.completeListSize) bar?.setTotal(p.completeListSize);
                bar?.update(p.records, { pages: p.pages });
              },
            }),
          summarize: ({ runtime }, harvested) => ({ ...harvested, papers: runtime.store.papers.count() }),
        });
      } catch (error) {
        bar?.stop();
        if (abort.signal.aborted) {
          process.stderr.write('paperd: backfill interrupted; run the same command again to resume from the last page accepted\n');
          process.exit(130);
        }
        throw error;
      }
      bar?.stop();
      if (opts.json) return void console.log(JSON.stringify(result));
      const how = result.alreadyComplete ? 'already complete' : result.resumed ? 'resumed and finished' : 'finished';
      console.log(`harvest ${how}: ${result.pages} pages, ${result.records} records (${result.accepted} new, ${result.duplicates} already there, ${result.deleted} deleted upstream)`);
      console.log(`${result.papers} papers in the store`);
    });
}

/** Hands the backfill to a running node's offline scheduler (needs a write key in PAPERD_API_KEY). */
async function queueOnNode(opts: BackfillOpts): Promise<void> {
  const answer = await callNode<{ backfill: { id: number; state: string } }>(opts.url!, '/v1/jobs/backfill', {
    method: 'POST',
    body: { from: opts.from, until: opts.until, ...(opts.set ? { set: opts.set } : {}) },
  });
  if (opts.json) return void console.log(JSON.stringify(answer));
  console.log(`backfill ${opts.from}..${opts.until}${opts.set ? ` (${opts.set})` : ''} is ${answer.backfill.state} on ${opts.url}; follow it with \`paperd jobs --url ${opts.url}\``);
}
