import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { PaperdError } from '../errors.js';
import { createLogger } from '../runtime/logger.js';
import { startNode } from '../node/start.js';
import { openDatabase, sqlitePath } from '../storage/sqlite/database.js';
import { queryRestartLog, type ActorNode, type RestartRecord } from '../supervisors/index.js';
import { callNode } from './client.js';
import { renderTree } from './render-tree.js';
import { parseSince } from './since.js';

const program = new Command('paperd')
  .description('A self-hosted research radar for machine learning')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

program
  .command('up')
  .description("start a node's actor system and its API")
  .addOption(new Option('--node <role>', 'which node this is').choices(['single', 'main', 'gpu', 'mac']))
  .option('--data <dir>', 'data directory (created on first start)')
  .option('--port <n>', 'API port', (v) => Number(v))
  .option('--host <addr>', 'API address to bind')
  .option('--config <file>', 'JSON config file')
  .action(async (opts: { node?: string; data?: string; port?: number; host?: string; config?: string }) => {
    const overrides: Record<string, unknown> = {};
    if (opts.node) overrides.node = opts.node;
    if (opts.data) overrides.dataDir = opts.data;
    if (opts.port !== undefined || opts.host) overrides.api = { ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.host ? { host: opts.host } : {}) };
    const config = loadConfig({ file: opts.config, overrides });
    const log = createLogger({ level: config.log.level });
    let exiting = false;
    const exit = async (code: number) => {
      if (exiting) return;
      exiting = true;
      await node.stop().catch((error: unknown) => log.error({ err: error }, 'error while stopping'));
      log.flush();
      process.exit(code);
    };
    const node = await startNode(config, log, () => void exit(1));
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        log.info({ signal }, 'stopping');
        void exit(0);
      });
    }
  });

program
  .command('actors')
  .description("print a running node's live actor tree")
  .option('--url <url>', 'the node', 'http://127.0.0.1:8080')
  .option('--json', 'machine output')
  .action(async (opts: { url: string; json?: boolean }) => {
    const { node, tree } = await callNode<{ node: string; tree: ActorNode[] }>(opts.url, '/v1/actors');
    if (opts.json) return void console.log(JSON.stringify({ node, tree }));
    console.log(`node ${node}`);
    console.log(renderTree(tree).join('\n'));
  });

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
      const file = sqlitePath(opts.data);
      if (!existsSync(file)) throw new PaperdNoStore(opts.data);
      const db = openDatabase(file, { readonly: true });
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

class PaperdNoStore extends PaperdError {
  readonly code = 'PAPERD_NO_STORE';
  constructor(dir: string) {
    super(`no paperd store in ${dir} (start a node with --data ${dir} first, or pass --url)`);
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const message = error instanceof PaperdError ? `${error.code}: ${error.message}` : (error as Error).stack ?? String(error);
  process.stderr.write(`paperd: ${message}\n`);
  process.exit(error instanceof PaperdError && error.status < 500 ? 2 : 1);
}
