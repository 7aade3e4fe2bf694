import type { Command } from 'commander';
import { copyBackup, reconcileVectors, type Reconciled } from '../../backup/restore-backup.js';
import { loadConfig } from '../../config/load.js';
import { runLocally } from '../../pipeline/run-locally.js';
import { systemClock } from '../../runtime/clock.js';
import { openStore } from '../../storage/store.js';
import { createLogger } from '../../runtime/logger.js';
import { checkDataDir } from './check.js';

interface RestoreOpts {
  data: string;
  config?: string;
  json?: boolean;
}

/**
 * `paperd restore BACKUP --data DIR`: copies a backup into a new data dir, trims and requeues
 * LanceDB against SQLite, finishes the work the journal held when the backup was taken, and
 * checks the stores. Exit 1 if they disagree.
 */
export function registerRestore(program: Command): void {
  program
    .command('restore')
    .description('restore a backup into a new (empty) data dir, then bring the stores in line and check them')
    .argument('<backup>', 'a directory made by paperd backup')
    .option('--data <dir>', 'data directory to create', './data')
    .option('--config <file>', 'JSON config file')
    .option('--json', 'machine output')
    .action(async (backup: string, opts: RestoreOpts) => {
      const manifest = await copyBackup(backup, opts.data);
      const config = loadConfig({ file: opts.config, overrides: { dataDir: opts.data, pipeline: { fetchPdfs: false } } });
      const log = createLogger({ level: 'warn', stderr: true });
      // Reconciled before the pipeline starts: the journal's pending work would otherwise add
      // papers (and their vectors) while their ids are being compared.
      const store = await openStore(opts.data, systemClock());
      let reconciled: Reconciled;
      try {
        reconciled = await reconcileVectors(store);
      } finally {
        store.close();
      }
      await runLocally(config, log, 'restore', { work: async ({ ingestion }) => ingestion.nudge(), summarize: () => undefined, refit: false });
      const check = await checkDataDir(opts.data);
      if (opts.json) console.log(JSON.stringify({ backup: manifest, reconciled, check }));
      else {
        console.log(`restored ${manifest.papers} papers from the backup of ${manifest.createdAt} into ${opts.data}`);
        console.log(`vectors: ${reconciled.orphanVectors} orphans and ${reconciled.orphanChunks} orphan chunks removed, ${reconciled.requeued} papers synced again`);
        console.log(check.ok ? 'ok: the stores agree' : `NOT OK: the stores disagree (${JSON.stringify(check)})`);
      }
      if (!check.ok) process.exitCode = 1;
    });
}
