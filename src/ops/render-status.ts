import type { NodeStatus } from './status.js';

const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(bytes < 10 * 1_048_576 ? 1 : 0)} MiB`;

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m ${seconds % 60}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Whether the status calls for someone: a critical alert firing, a node not ready or draining, a peer down. */
export function statusNeedsAttention(s: NodeStatus): boolean {
  return !s.ready || s.alerts.some((a) => a.severity === 'critical') || s.peers.some((p) => p.state === 'down');
}

/** `paperd status` as one screen of text. */
export function renderStatus(s: NodeStatus): string[] {
  const lines: string[] = [];
  const row = (label: string, text: string) => lines.push(`${label.padEnd(9)} ${text}`);
  lines.push(`node ${s.node}  ${s.version}  pid ${s.pid}  up ${duration(s.uptimeSeconds)}  ${s.url ?? ''}  ${s.draining ? 'DRAINING' : s.ready ? 'ready' : 'NOT READY'}`);
  const a = s.actors;
  row('actors', `${a.running}/${a.total} running, ${a.restarts} restart${a.restarts === 1 ? '' : 's'}${a.notRunning.length ? `; ${a.notRunning.map((n) => `${n.path} ${n.status}`).join(', ')}` : ''}`);
  if (s.pipeline) row('pipeline', `depth ${s.pipeline.depth}, producers ${s.pipeline.paused ? 'PAUSED at the high watermark' : 'running'}`);
  if (s.jobs) row('jobs', Object.entries(s.jobs).map(([state, n]) => `${state} ${n}`).join(', ') || 'none');
  if (s.arxiv) row('arxiv', s.arxiv.lastAnnouncement ? `last announcement ${s.arxiv.lastAnnouncement}, lag ${duration(s.arxiv.lagSeconds ?? 0)}` : 'no announcement ingested yet');
  if (s.llm.length) row('llm', s.llm.map((e) => `${e.name} ${e.state}${e.state !== 'up' && e.reason ? ` (${e.reason})` : ''}`).join(', '));
  if (s.gpu) {
    const g = s.gpu;
    const readings = g.gpus.map((x) => `${x.index}: ${x.temperatureC ?? '?'} °C ${x.utilizationPct ?? '?'}%`).join(', ');
    row('gpu', g.state === 'gpus' ? `${readings}; batch work ${g.hot ? `PAUSED (${g.hotReason})` : 'running'}` : `${g.state}${g.reason ? ` (${g.reason})` : ''}`);
  }
  if (s.storage) {
    const st = s.storage;
    row('storage', `sqlite ${mib(st.sqliteBytes)}, lancedb ${mib(st.lancedbBytes)}, disk ${((st.diskFreeBytes / Math.max(1, st.diskTotalBytes)) * 100).toFixed(0)}% free`);
  }
  if (s.offline) row('offline', `${s.offline.paused ? 'paused' : 'running'}, load ${s.offline.load}`);
  row('alerts', s.alerts.length === 0 ? 'none firing' : `${s.alerts.length} firing`);
  for (const al of s.alerts) lines.push(`  ${al.severity.toUpperCase().padEnd(8)} ${al.rule}${al.subject ? ` (${al.subject})` : ''}: ${al.message}`);
  if (s.peers.length) {
    lines.push('peers');
    for (const p of s.peers) {
      const heard = p.lastHeardMsAgo === null ? 'never heard' : `heard ${duration(Math.round(p.lastHeardMsAgo / 1000))} ago`;
      const actors = p.actors ? `  actors ${p.actors.running}/${p.actors.total} running` : '';
      const gpu = p.gpu && typeof p.gpu.hottestC === 'number' ? `  gpu hottest ${p.gpu.hottestC} °C${p.gpu.hot ? ' (batch work PAUSED)' : ''}` : '';
      lines.push(`  ${p.name.padEnd(8)} ${p.state} (${heard})${actors}${gpu}${p.error ? `  ${p.error}` : ''}`);
    }
  }
  return lines;
}
