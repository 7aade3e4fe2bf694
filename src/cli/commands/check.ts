import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { EMBEDDING_DIMENSIONS } from '../../embedding/embedder-provider.js';
import { VectorStore } from '../../storage/lancedb/vector-store.js';
import { checkStores, type StoreCheck } from '../../storage/sqlite/check.js';
import { openDatabase } from '../../storage/sqlite/database.js';
import { lancedbPath } from '../../storage/store.js';
import { existingStore } from '../store-access.js';

/** Runs the consistency check on a data dir (safe beside a running node: WAL readers do not block it). */
export async function checkDataDir(dataDir: string): Promise<StoreCheck> {
  const db = openDatabase(existingStore(dataDir));
  try {
    const dir = lancedbPath(dataDir);
    const vectors = existsSync(dir) ? await VectorStore.open(dir, EMBEDDING_DIMENSIONS) : undefined;
    try {
      return await checkStores(db, vectors ?? { ids: async () => [] });
    } finally {
      vectors?.close();
    }
  } finally {
    db.close();
  }
}

/** `paperd check`: do the stores agree? Exit 1 when they do not. */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('verify the stores agree: papers = FTS rows = LanceDB ids, no duplicates, no orphans, no stuck job')
    .option('--data <dir>', 'data directory', './data')
    .option('--json', 'machine output')
    .action(async (opts: { data: string; json?: boolean }) => {
      const report = await checkDataDir(opts.data);
      if (opts.json) console.log(JSON.stringify(report));
      else {
        console.log(report.ok ? 'ok: the stores agree' : 'NOT OK: the stores disagree');
        console.log(`papers ${report.papers}, fts ${report.fts} (${report.fts_integrity}), vectors ${report.vectors}, duplicates ${report.duplicates}`);
        console.log(`missing in vectors ${report.missing_in_vectors}, orphan vectors ${report.orphan_vectors}, stuck jobs ${report.stuck_jobs}, outbox lag ${report.outbox_lag}`);
      }
      if (!report.ok) process.exitCode = 1;
    });
}
