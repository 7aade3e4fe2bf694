import { expect } from 'chai';
import { renderStatus, statusNeedsAttention } from '../src/ops/render-status.js';
import { actorHealth, type NodeStatus } from '../src/ops/status.js';
import type { ActorNode } from '../src/supervisors/index.js';

const actor = (path: string, status: string, children: ActorNode[] = [], extra: Partial<ActorNode> = {}): ActorNode => ({
  path, name: path.split('/').pop()!, kind: children.length ? 'supervisor' : 'worker', status: status as ActorNode['status'], depth: 0, queued: 0, inFlight: 0,
  handled: 0, restarts: 0, lastError: null, summary: null, children, ...extra,
});

/** A main node's status with one peer up (a GPU node, its GPU hot) and one down. */
function mainStatus(): NodeStatus {
  return {
    node: 'main', version: '0.1.0', pid: 42, url: 'http://127.0.0.1:8080', uptimeSeconds: 7_380, ready: true, draining: false,
    actors: { total: 20, running: 20, restarts: 2, notRunning: [] },
    pipeline: { depth: 120, paused: false },
    jobs: { done: 5000, queued: 100, leased: 20 },
    alerts: [{ rule: 'peer_down', subject: 'mac', severity: 'critical', message: 'mac is down (no heartbeat); last heard 5 min ago', firingSince: 0 }],
    llm: [{ name: 'gpu', state: 'up', reason: null }, { name: 'mac', state: 'down', reason: 'connection refused' }],
    gpu: null,
    arxiv: { lastAnnouncement: '2026-11-26T01:00:00.000Z', lagSeconds: 0 },
    storage: { sqliteBytes: 120 * 1_048_576, lancedbBytes: 340 * 1_048_576, diskFreeBytes: 45, diskTotalBytes: 100 },
    offline: { paused: false, load: 'normal' },
    peers: [
      { name: 'gpu', state: 'up', lastHeardMsAgo: 1_000, actors: { total: 8, running: 8, restarts: 0, notRunning: [] }, gpu: { state: 'gpus', hottestC: 86, hot: true }, error: null },
      { name: 'mac', state: 'down', lastHeardMsAgo: 300_000, actors: null, gpu: null, error: 'no answer over the link' },
    ],
  };
}

describe('paperd status: one screen for every node', () => {
  it('renders this node, its alerts and each peer on one screen', () => {
    expect(renderStatus(mainStatus())).to.deep.equal([
      'node main  0.1.0  pid 42  up 2h 3m  http://127.0.0.1:8080  ready',
      'actors    20/20 running, 2 restarts',
      'pipeline  depth 120, producers running',
      'jobs      done 5000, queued 100, leased 20',
      'arxiv     last announcement 2026-11-26T01:00:00.000Z, lag 0s',
      'llm       gpu up, mac down (connection refused)',
      'storage   sqlite 120 MiB, lancedb 340 MiB, disk 45% free',
      'offline   running, load normal',
      'alerts    1 firing',
      '  CRITICAL peer_down (mac): mac is down (no heartbeat); last heard 5 min ago',
      'peers',
      '  gpu      up (heard 1s ago)  actors 8/8 running  gpu hottest 86 °C (batch work PAUSED)',
      '  mac      down (heard 5m 0s ago)  no answer over the link',
    ]);
  });

  it('needs attention on a critical alert, a peer down, or a node not ready; not otherwise', () => {
    const healthy: NodeStatus = { ...mainStatus(), alerts: [], peers: [mainStatus().peers[0]!] };
    expect(statusNeedsAttention(healthy)).to.equal(false);
    expect(statusNeedsAttention({ ...healthy, alerts: [{ rule: 'gpu_hot', subject: 'gpu0', severity: 'warning', message: '', firingSince: 0 }] })).to.equal(false);
    expect(statusNeedsAttention({ ...healthy, ready: false })).to.equal(true);
    expect(statusNeedsAttention(mainStatus())).to.equal(true);
  });

  it('counts a tree: running actors, restarts, and who is not running with why', () => {
    const tree = [actor('root', 'running', [
      actor('root/pipeline', 'running', [actor('root/pipeline/indexer', 'restarting', [], { restarts: 3, lastError: { name: 'Error', message: 'disk I/O error', stack: '', at: 1 } })]),
      actor('root/link', 'running', [], { restarts: 1 }),
    ])];
    expect(actorHealth(tree)).to.deep.equal({
      total: 4, running: 3, restarts: 4,
      notRunning: [{ path: 'root/pipeline/indexer', status: 'restarting', lastError: 'Error: disk I/O error' }],
    });
  });
});
