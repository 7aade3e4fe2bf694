import type { Command } from 'commander';
import { NodeUnreachableError } from '../../errors.js';
import { renderStatus, statusNeedsAttention } from '../../ops/render-status.js';
import type { NodeStatus } from '../../ops/status.js';
import { dataDirOwner } from '../../storage/data-dir-lock.js';
import { callNode } from '../client.js';

/** The node to ask: `--url`, else the one that owns `--data` (its lock names its URL). */
export function nodeUrlOf(opts: { url?: string; data?: string }): string {
  if (opts.url) return opts.url;
  const dir = opts.data ?? './data';
  const owner = dataDirOwner(dir);
  if (!owner?.url) throw new NodeUnreachableError(`no paperd node is running on ${dir} (pass --url for a node elsewhere)`);
  return owner.url;
}

/** `paperd status`: one screen of health for the node and its peers; exit 1 when it needs attention. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('one screen of health: actors, pipeline, jobs, alerts, LLM endpoints, GPU, storage, and every peer node')
    .option('--url <url>', 'the node to ask (the main node shows its peers too)')
    .option('--data <dir>', 'ask the node running on this data dir', './data')
    .option('--json', 'machine output')
    .action(async (opts: { url?: string; data?: string; json?: boolean }) => {
      const status = await callNode<NodeStatus>(nodeUrlOf(opts), '/v1/status');
      console.log(opts.json ? JSON.stringify(status) : renderStatus(status).join('\n'));
      // For scripts and cron: a critical alert, a node not ready, or a peer down.
      if (statusNeedsAttention(status)) process.exitCode = 1;
    });
}
