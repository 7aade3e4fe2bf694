import type { Command } from 'commander';
import { NodeUnreachableError } from '../../errors.js';
import type { DrainReport } from '../../ops/drain.js';
import { callNode, nodeUrlOf } from '../client.js';

/** Whether a node still answers at `url`. */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(new URL('/health', url), { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * `paperd drain`: the node stops taking new work, finishes or hands back what it holds (leases
 * back to the journal) and exits 0; this waits until it has gone. For rolling restarts: drain,
 * restart, next node.
 */
export function registerDrain(program: Command): void {
  program
    .command('drain')
    .description('stop a node gracefully for a restart: no new work, leases handed back, exit 0 (needs an admin key in PAPERD_API_KEY)')
    .option('--url <url>', 'the node to drain')
    .option('--data <dir>', 'drain the node running on this data dir', './data')
    .option('--timeout <seconds>', 'give up waiting for it to exit after this long', (v) => Number(v), 180)
    .option('--json', 'machine output')
    .action(async (opts: { url?: string; data?: string; timeout: number; json?: boolean }) => {
      const url = nodeUrlOf(opts);
      const report = await callNode<DrainReport>(url, '/v1/drain', { method: 'POST', body: {} });
      if (!opts.json) console.log(`draining ${report.node} at ${url}: ${report.leasedAtStart} job${report.leasedAtStart === 1 ? '' : 's'} leased, finishing or handing back`);
      const deadline = Date.now() + opts.timeout * 1000;
      while (await answers(url)) {
        if (Date.now() > deadline) throw new NodeUnreachableError(`node ${report.node} at ${url} is still running ${opts.timeout} s after the drain began`);
        await new Promise((r) => setTimeout(r, 200));
      }
      console.log(opts.json ? JSON.stringify({ ...report, stopped: true }) : `${report.node} drained and stopped`);
    });
}
