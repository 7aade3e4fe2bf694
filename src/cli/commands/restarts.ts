import type { Command } from 'commander';
import { openDatabase } from '../../storage/sqlite/database.js';
import { queryRestartLog, type RestartRecord } from '../../supervisors/index.js';
import { callNode } from '../client.js';
import { parseSince } from '../since.js';
import { existingStore } from '../store-access.js';

/** `paperd restarts`: the restart log, from the data dir or a running node. */
export function registerRestarts(program: Command): void {
  program
    .command('restarts')
    .description('read the restart log: restarts, give-ups and escalations, newest first')
    .option('--data <dir>', 'data directory to read', './data')
    .option('--url <url>', 'ask a running node instead of reading the data dir')
    .option('--actor <path>', 'only this actor and those below it')
    .option('--since <when>', 'ISO time, epoch ms, or a duration back from now (15m, 2h, 7d)')
    .option('--limit <n>', 'at most this many', (v) => Number(v), 100)
    .option('--json', 'machine output')
    .action(async (opts: { data: string; url?: string; actor?: string; since?: string; limit: number; json?: boolean }) => {
      const since = opts.since ? parseSince(opts.since) : undefined;
      let records: RestartRecord[];
      if (opts.url) {
        const qs = new URLSearchParams({ limit: String(opts.limit), ...(opts.actor ? { actor: opts.actor } : {}), ...(since !== undefined ? { since: String(since) } : {}) });
        records = (await callNode<{ restarts: RestartRecord[] }>(opts.url, `/v1/restarts?${qs}`)).restarts;
      } else {
        const db = openDatabase(existingStore(opts.data), { readonly: true });
        try {
          records = queryRestartLog(db, { actor: opts.actor, since, limit: opts.limit });
        } finally {
          db.close();
        }
      }
      if (opts.json) return void console.log(JSON.stringify({ restarts: records }));
      if (records.length === 0) return void console.log('no restarts recorded');
      for (const r of records) {
        const delay = r.event === 'restart' ? ` attempt ${r.attempt}, after ${r.delayMs} ms` : '';
        console.log(`${new Date(r.at).toISOString()}  ${r.event.padEnd(8)} ${r.actor}  by ${r.supervisor} (${r.strategy})${delay}: ${r.errorName}: ${r.errorMessage}`);
      }
    });
}
