import type { Command } from 'commander';
import { renderStatus, statusNeedsAttention } from '../../ops/render-status.js';
import type { NodeStatus } from '../../ops/status.js';
import { callNode, nodeUrlOf } from '../client.js';

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
