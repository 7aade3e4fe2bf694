import type { ActorNode } from '../supervisors/index.js';

function label(node: ActorNode): string {
  const stats = [
    node.status,
    node.kind === 'supervisor' ? String(node.summary?.strategy ?? 'supervisor') : `depth ${node.depth}`,
    node.kind === 'worker' ? `handled ${node.handled}` : undefined,
    node.restarts > 0 ? `restarts ${node.restarts}` : undefined,
    node.lastError ? `last error ${node.lastError.name}: ${node.lastError.message}` : undefined,
  ].filter(Boolean);
  return `${node.name}  (${stats.join(', ')})`;
}

/** The actor tree as lines of text, one actor a line, drawn like `tree(1)`. */
export function renderTree(nodes: readonly ActorNode[], prefix = '', top = true): string[] {
  return nodes.flatMap((node, i) => {
    const last = i === nodes.length - 1;
    const line = prefix + (top ? '' : last ? '└── ' : '├── ') + label(node);
    const below = top ? prefix : prefix + (last ? '    ' : '│   ');
    return [line, ...renderTree(node.children, below, false)];
  });
}
