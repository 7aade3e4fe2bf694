import type { Command } from 'commander';
import { NotFoundError } from '../../errors.js';
import { ENTITY_KINDS, GRAPH_LIMITS, GraphStore, type Direction, type EdgeKind, type GraphEdge, type GraphEntity, type NeighborsResult } from '../../graph/index.js';
import { openDatabase } from '../../storage/sqlite/database.js';
import { callNode } from '../client.js';
import { existingStore } from '../store-access.js';

interface GraphView {
  readonly entity: GraphEntity;
  readonly around: NeighborsResult;
}

/** An entity id as typed: `<kind>:<key>`, or a bare paper id (`2401.00001`). */
function entityIdOf(text: string): string {
  const kind = text.slice(0, text.indexOf(':'));
  return (ENTITY_KINDS as readonly string[]).includes(kind) ? text : `paper:${text}`;
}

function readLocal(dataDir: string, id: string, query: { depth: number; kinds?: EdgeKind[]; direction: Direction; limit: number }): GraphView {
  const db = openDatabase(existingStore(dataDir), { readonly: true });
  try {
    // A store no node has opened since the graph was added has no tables for it yet.
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'graph_edges'").get()) throw new NotFoundError(`no entity ${id}: the store in ${dataDir} has no knowledge graph yet`);
    const graph = new GraphStore(db);
    const entity = graph.entity(id);
    if (!entity) throw new NotFoundError(`no entity ${id} in the knowledge graph`);
    return { entity, around: graph.neighbors(id, query) };
  } finally {
    db.close();
  }
}

const label = (e: GraphEntity) => (e.name && e.name !== e.key ? `${e.id}  ${e.name}` : e.id);
const link = (edge: GraphEdge, parent: string) => (edge.from === parent ? `─${edge.kind}→` : `←${edge.kind}─`);

/** The neighbours as a tree under the entity, each under the one it was reached from. */
function renderGraph(view: GraphView): string[] {
  const children = new Map<string, NeighborsResult['neighbors']>();
  for (const n of view.around.neighbors) {
    const parent = n.via.from === n.entity.id ? n.via.to : n.via.from;
    children.set(parent, [...(children.get(parent) ?? []), n]);
  }
  const lines = [label(view.entity)];
  const attrs = Object.entries(view.entity.attrs);
  if (attrs.length > 0) lines.push(`  ${attrs.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('  ')}`);
  const walk = (id: string, prefix: string) => {
    const list = children.get(id) ?? [];
    list.forEach((n, i) => {
      const last = i === list.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${link(n.via, id)} ${label(n.entity)}  [${n.via.sources.join(', ')}]`);
      walk(n.entity.id, prefix + (last ? '    ' : '│   '));
    });
  };
  walk(view.entity.id, '');
  const { neighbors, truncated, truncatedBy, cappedAt } = view.around;
  lines.push('', `${neighbors.length} neighbour${neighbors.length === 1 ? '' : 's'}${truncated ? `, more not shown (${truncatedBy.join(', ')}${cappedAt.length ? `: hubs ${cappedAt.join(', ')}` : ''})` : ''}`);
  return lines;
}

/** `paperd graph`: an entity of the knowledge graph and what is around it, from the data dir or a running node. */
export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description('show an entity of the knowledge graph and its neighbours')
    .argument('<id>', 'entity id (<kind>:<key>, e.g. repository:github.com/owner/name), or a paper id')
    .option('--depth <n>', `hops, 1 to ${GRAPH_LIMITS.maxNeighborDepth}`, (v) => Number(v), 1)
    .option('--kind <kind...>', 'follow only these edge kinds')
    .option('--direction <way>', 'out, in or both', 'both')
    .option('--limit <n>', 'neighbours at most', (v) => Number(v), GRAPH_LIMITS.defaultNeighbors)
    .option('--data <dir>', 'data directory', './data')
    .option('--url <url>', 'ask a running node instead')
    .option('--json', 'machine output')
    .action(async (raw: string, opts: { depth: number; kind?: string[]; direction: Direction; limit: number; data: string; url?: string; json?: boolean }) => {
      const id = entityIdOf(raw);
      const kinds = opts.kind?.flatMap((k) => k.split(',')) as EdgeKind[] | undefined;
      let view: GraphView;
      if (opts.url) {
        const path = `/v1/graph/entities/${encodeURIComponent(id)}`;
        const qs = new URLSearchParams({ depth: String(opts.depth), direction: opts.direction, limit: String(opts.limit) });
        for (const k of kinds ?? []) qs.append('kind', k);
        view = { entity: await callNode<GraphEntity>(opts.url, path), around: await callNode<NeighborsResult>(opts.url, `${path}/neighbors?${qs}`) };
      } else {
        view = readLocal(opts.data, id, { depth: opts.depth, kinds, direction: opts.direction, limit: opts.limit });
      }
      if (opts.json) return void console.log(JSON.stringify(view));
      console.log(renderGraph(view).join('\n'));
    });
}
