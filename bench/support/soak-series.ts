import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One sample of a process's memory (MiB) from /proc: all resident, and its anonymous, file-backed and shared parts. */
export interface MemorySample {
  readonly rss: number;
  /** Heap, native allocations, thread stacks: what a leak grows. */
  readonly anon: number;
  /** Pages of mapped files (SQLite and LanceDB files, code): the kernel drops them under pressure. */
  readonly file: number;
  /** Shared memory: SQLite's WAL index (`-shm`). */
  readonly shmem: number;
}

const kib = (status: string, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;

/** The process's resident memory by kind, from /proc/PID/status (Linux). */
export function memoryOf(pid: number): MemorySample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rss: kib(status, 'VmRSS'), anon: kib(status, 'RssAnon'), file: kib(status, 'RssFile'), shmem: kib(status, 'RssShmem') };
}

/**
 * The anonymous resident memory (MiB) split by what allocated it, from /proc/PID/smaps: V8's heap
 * pages (256 KiB mappings, every isolate's: the main thread's and each worker thread's), malloc's
 * arenas and brk heap (native code: SQLite, LanceDB, zeromq, V8's own malloc), and the rest (large
 * mappings: big buffers, thread stacks).
 */
export function anonSplitOf(pid: number): { v8Pages: number; malloc: number; other: number } {
  const out = { v8Pages: 0, malloc: 0, other: 0 };
  let size = 0;
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      size = (Number.parseInt(head[2]!, 16) - Number.parseInt(head[1]!, 16)) / 1024;
      name = head[3]!;
      continue;
    }
    if (!line.startsWith('Rss:')) continue;
    const rss = Number(line.split(/\s+/)[1]) / 1024;
    if (name === '[heap]') out.malloc += rss;
    else if (name !== '') continue;
    else if (size === 256) out.v8Pages += rss;
    // glibc's per-thread arenas are reserved 64 MiB at a time.
    else if (size >= 60 * 1024 && size <= 64 * 1024) out.malloc += rss;
    else out.other += rss;
  }
  return out;
}

/** TCP sockets of the process's network namespace by inode: listening, or connected from a local port. */
function tcpSockets(pid: number): Map<string, { listening: boolean; localPort: number; remotePort: number }> {
  const out = new Map<string, { listening: boolean; localPort: number; remotePort: number }>();
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      out.set(f[9]!, { listening: f[3] === '0A', localPort: Number.parseInt(f[1]!.split(':')[1]!, 16), remotePort: Number.parseInt(f[2]!.split(':')[1]!, 16) });
    }
  }
  return out;
}

/**
 * The process's open file descriptors by kind: sockets (`socket in`: connections to a port it
 * listens on, its API's clients; `socket out`: connections it made; `socket listen`; `socket
 * other`: Unix, UDP, netlink), pipes, anonymous inodes by name (eventfd, eventpoll, timerfd), and
 * files by the store they belong to (`sqlite`, `lancedb`, `blobs`, other).
 */
export function fdsOf(pid: number, dataDir: string): Record<string, number> {
  return fdKinds(pid, dataDir).kinds;
}

/** `fdsOf`, the LanceDB files open (relative to the data dir; deleted ones say so), and the ports the connections it made go to. */
export function fdKinds(pid: number, dataDir: string): { kinds: Record<string, number>; lancedbFiles: string[]; outPorts: number[] } {
  const kinds: Record<string, number> = {};
  const lancedbFiles: string[] = [];
  const outPorts: number[] = [];
  const targets: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      targets.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed between the listing and the read
    }
  }
  const tcp = targets.some((t) => t.startsWith('socket:')) ? tcpSockets(pid) : new Map<string, { listening: boolean; localPort: number; remotePort: number }>();
  const listening = new Set([...tcp.values()].filter((t) => t.listening).map((t) => t.localPort));
  for (const target of targets) {
    let kind: string;
    if (target.startsWith('socket:')) {
      const socket = tcp.get(target.slice('socket:['.length, -1));
      kind = !socket ? 'socket other' : socket.listening ? 'socket listen' : listening.has(socket.localPort) ? 'socket in' : 'socket out';
      if (kind === 'socket out') outPorts.push(socket!.remotePort);
    } else if (target.startsWith('pipe:')) kind = 'pipe';
    else if (target.startsWith('anon_inode:')) kind = target.slice('anon_inode:'.length).replace(/^\[|\]$/g, '');
    else if (target.startsWith(dataDir)) {
      const rest = target.slice(dataDir.length);
      kind = /\.sqlite/.test(rest) ? 'sqlite' : /lance/.test(rest) ? 'lancedb' : /blobs/.test(rest) ? 'blobs' : 'data-other';
      if (kind === 'lancedb') lancedbFiles.push(rest);
    } else if (target.startsWith('/dev/')) kind = 'dev';
    else kind = 'file';
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return { kinds, lancedbFiles, outPorts };
}

/** How a series moved over the second half of the run after warm-up. */
export interface Trend {
  /** Least-squares slope, in the series' units per minute. */
  readonly slopePerMin: number;
  /** The fitted change across the half (slope × its length). */
  readonly fittedChange: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** max / min over the half. */
  readonly ratio: number;
  readonly points: number;
}

/** The least-squares trend of `points` (at in ms, v in the series' units). */
export function trendOf(points: readonly { at: number; v: number }[]): Trend | undefined {
  if (points.length < 3) return undefined;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.at, 0) / n;
  const my = points.reduce((s, p) => s + p.v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.at - mx) * (p.v - my);
    sxx += (p.at - mx) ** 2;
  }
  const slopePerMs = sxx === 0 ? 0 : sxy / sxx;
  const span = points[n - 1]!.at - points[0]!.at;
  const vs = points.map((p) => p.v);
  const min = Math.min(...vs);
  const max = Math.max(...vs);
  return { slopePerMin: slopePerMs * 60_000, fittedChange: slopePerMs * span, mean: my, min, max, ratio: min > 0 ? max / min : Infinity, points: n };
}

/**
 * The second half of the run, and never inside the warm-up: the part where a leak shows as a
 * slope and warm-up effects (caches filling, pools reaching their size) are over.
 */
export function postWarmupHalf<T extends { at: number }>(samples: readonly T[], warmupMs: number, endMs: number): T[] {
  const from = Math.max(warmupMs, endMs / 2);
  return samples.filter((s) => s.at >= from);
}

/**
 * Flat: the fitted change over the half is within `maxChange` (in the series' units, or as a
 * share of its mean when `relative`) and max/min within `maxRatio` (a series that touches 0, like
 * a kind of fd that comes and goes, is judged by its fitted change alone). `grows`: the fitted
 * change is over; `swings`: only max/min is (a garbage-collected heap does).
 */
export function verdictOf(t: Trend, limits: { readonly maxChange: number; readonly relative: boolean; readonly maxRatio: number }): { verdict: 'flat' | 'grows' | 'swings'; why: string } {
  const change = limits.relative ? (t.mean === 0 ? 0 : t.fittedChange / t.mean) : t.fittedChange;
  const changeOk = change <= limits.maxChange;
  const ratioOk = t.min <= 0 || t.ratio <= limits.maxRatio;
  const shown = limits.relative ? `${(change * 100).toFixed(1)}% (limit ${(limits.maxChange * 100).toFixed(0)}%)` : `${change.toFixed(1)} (limit ${limits.maxChange})`;
  const ratio = t.min <= 0 ? 'max/min -' : `max/min ${t.ratio.toFixed(2)} (limit ${limits.maxRatio})`;
  return { verdict: !changeOk ? 'grows' : !ratioOk ? 'swings' : 'flat', why: `fitted change ${shown}, ${ratio}` };
}
