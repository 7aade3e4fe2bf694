import type { Command } from 'commander';
import type { ActorNode } from '../../supervisors/index.js';
import { callNode } from '../client.js';
import { renderTree } from '../render-tree.js';
import type { NodeView } from '../../link/node-link.js';

/** `paperd actors`: a running node's live tree. */
export function registerActors(program: Command): void {
  program
    .command('actors')
    .description("print a running node's live actor tree")
    .option('--url <url>', 'the node', 'http://127.0.0.1:8080')
    .option('--all-nodes', 'every node of the lab, as this node sees them over the link')
    .option('--json', 'machine output')
    .action(async (opts: { url: string; json?: boolean; allNodes?: boolean }) => {
      const { node, tree, nodes } = await callNode<{ node: string; tree: ActorNode[]; nodes?: NodeView[] }>(opts.url, '/v1/actors');
      if (opts.allNodes) {
        const all = nodes ?? [{ name: node, self: true, state: 'up', lastHeardMsAgo: 0, outbox: 0, asks: 0, tree, error: null }];
        if (opts.json) return void console.log(JSON.stringify({ node, nodes: all }));
        if (!nodes) console.log(`node ${node} has no link peers`);
        for (const n of all) {
          const heard = n.self ? 'this node' : `${n.state}, heard ${n.lastHeardMsAgo === null ? 'never' : `${n.lastHeardMsAgo} ms ago`}, ${n.outbox} waiting, ${n.asks} asks`;
          console.log(`node ${n.name} (${heard})`);
          console.log(n.tree ? renderTree(n.tree).join('\n') : `  (no tree: ${n.error ?? 'no answer'})`);
        }
        return;
      }
      if (opts.json) return void console.log(JSON.stringify({ node, tree }));
      console.log(`node ${node}`);
      console.log(renderTree(tree).join('\n'));
    });
}
