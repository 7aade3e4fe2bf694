import type { Command } from 'commander';
import type { SchedulerSnapshot } from '../../offline/scheduler.js';
import { callNode } from '../client.js';

interface JobsOpts {
  url: string;
  json?: boolean;
  class?: string;
}

/** `paperd jobs`: a running node's offline job classes; `jobs pause|resume [--class C]` (needs an admin key in PAPERD_API_KEY). */
export function registerJobs(program: Command): void {
  const jobs = program
    .command('jobs')
    .description("a running node's offline work: counts, rates and ETA per class; pause or resume it")
    .option('--url <url>', 'the node', 'http://127.0.0.1:8080')
    .option('--json', 'machine output')
    .action(async (opts: JobsOpts) => print(await callNode<SchedulerSnapshot>(opts.url, '/v1/jobs'), opts.json));
  for (const verb of ['pause', 'resume'] as const) {
    jobs
      .command(verb)
      .description(`${verb} one class of offline work (--class), or all of it; kept across restarts`)
      .option('--class <name>', 'the job class, e.g. backfill (default: all offline work)')
      .option('--url <url>', 'the node', 'http://127.0.0.1:8080')
      .option('--json', 'machine output')
      .action(async (opts: JobsOpts, cmd: Command) => {
        const { url, json } = { ...(cmd.parent?.opts() as JobsOpts), ...withoutDefaults(opts, cmd) };
        const body = opts.class === undefined ? undefined : { class: opts.class };
        print(await callNode<SchedulerSnapshot>(url, `/v1/jobs/${verb}`, { method: 'POST', ...(body ? { body } : {}) }), json);
      });
  }
}

/** Options the user gave to the subcommand (its defaults must not hide the parent's). */
function withoutDefaults(opts: JobsOpts, cmd: Command): Partial<JobsOpts> {
  return Object.fromEntries(Object.entries(opts).filter(([k]) => cmd.getOptionValueSource(k) !== 'default')) as Partial<JobsOpts>;
}

function print(snap: SchedulerSnapshot, json: boolean | undefined): void {
  if (json) return void console.log(JSON.stringify(snap));
  console.log(`offline work: ${snap.paused ? 'PAUSED' : 'on'} (online load ${snap.load.level}${snap.load.reasons.length ? `: ${snap.load.reasons.join(', ')}` : ''})`);
  const rows = snap.classes.map((c) => [
    c.name,
    c.state,
    String(c.queued),
    String(c.running),
    String(c.done),
    String(c.failed),
    c.ratePerMinute.toFixed(1),
    c.etaSeconds === null ? '-' : eta(c.etaSeconds),
    c.window ?? '',
    c.note ?? '',
  ]);
  const head = ['class', 'state', 'queued', 'running', 'done', 'failed', '/min', 'eta', 'window', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  for (const l of snap.gpuLeases) console.log(`gpu ${l.node}: ${l.holder ? `held by ${l.holder} until ${new Date(l.until!).toISOString()}` : 'free'}${l.hot ? ` (batch work waits: ${l.hot})` : ''}`);
}

function eta(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}
