import type { Command } from 'commander';
import type { ActorNode } from '../../supervisors/index.js';
import { callNode } from '../client.js';
import { renderTree } from '../render-tree.js';

/** `paperd actors`: a running node's live tree. */
export function registerActors(program: Command): void {
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
}
