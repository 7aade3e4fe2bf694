import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { BackupManifest } from '../../backup/take-backup.js';
import { takeBackup } from '../../backup/take-backup.js';
import { openDatabase } from '../../storage/sqlite/database.js';
import { callNode } from '../client.js';
import { existingStore } from '../store-access.js';

interface BackupOpts {
  data: string;
  url?: string;
  json?: boolean;
}

/**
 * `paperd backup DIR`: a consistent snapshot of SQLite, LanceDB and blobs into a new directory,
 * taken by the running node (`--url`, admin key) or straight from a data dir (`--data`; a node
 * may be running on it: SQLite's backup API and LanceDB's immutable files make that safe).
 */
export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('back up the stores (SQLite, LanceDB, blobs) consistently into a new directory, online')
    .argument('<dir>', 'where the backup goes; must not exist')
    .option('--data <dir>', 'data directory', './data')
    .option('--url <url>', 'a running node: it takes the backup (DIR is a path on its machine)')
    .option('--json', 'machine output')
    .action(async (dir: string, opts: BackupOpts) => {
      const target = resolve(dir);
      let manifest: BackupManifest;
      if (opts.url) {
        manifest = await callNode<BackupManifest>(opts.url, '/v1/backup', { method: 'POST', body: { dir: target } });
      } else {
        const db = openDatabase(existingStore(opts.data));
        try {
          manifest = await takeBackup(db, opts.data, target);
        } finally {
          db.close();
        }
      }
      if (opts.json) return void console.log(JSON.stringify(manifest));
      console.log(`backup in ${target}: ${manifest.papers} papers, LanceDB tables ${Object.keys(manifest.lancedb).join(', ') || 'none'}, ${manifest.blobs} blobs (${manifest.ms} ms)`);
    });
}
