import type { Database } from 'better-sqlite3';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { MaintenanceTask } from './maintenance-task.js';

/**
 * Deletes blobs nothing refers to: not a paper's PDF, not the input of an extraction still to
 * run, and older than `graceMs` (a download stored a moment ago is referred to only once its job
 * commits). Walks the two-level fan-out a directory at a time, resuming where the last step
 * stopped.
 */
export function blobGc(db: Database, blobsRoot: string, everyMs: number, graceMs = 24 * 3_600_000, now: () => number = Date.now): MaintenanceTask {
  const referenced = db.prepare(
    `SELECT 1 WHERE EXISTS (SELECT 1 FROM papers WHERE pdf_sha256 = @sha)
        OR EXISTS (SELECT 1 FROM jobs JOIN job_payloads p ON p.job_id = jobs.id
                   WHERE jobs.kind = 'extract' AND jobs.state IN ('queued', 'leased') AND json_extract(p.payload, '$.sha256') = @sha)`,
  ).pluck();
  let queue: string[] | undefined;
  let deleted = 0;
  return {
    name: 'blob-gc',
    everyMs,
    async run(step) {
      queue ??= await fanOut(blobsRoot);
      while (queue.length > 0 && step.mayContinue()) {
        const dir = queue.shift()!;
        for (const name of await readdir(dir).catch(() => [] as string[])) {
          if (!/^[0-9a-f]{64}$/.test(name)) continue;
          const file = join(dir, name);
          const info = await stat(file).catch(() => undefined);
          if (!info || now() - info.mtimeMs < graceMs) continue;
          if (referenced.get({ sha: name }) !== undefined) continue;
          await rm(file, { force: true });
          deleted++;
        }
      }
      if (queue.length > 0) return { finished: false, detail: { deleted } };
      const detail = { deleted };
      queue = undefined;
      deleted = 0;
      return { finished: true, detail };
    },
  };
}

/** The `ab/cd` directories under the blob root. */
async function fanOut(root: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const a of await readdir(root).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{2}$/.test(a)) continue;
    for (const b of await readdir(join(root, a)).catch(() => [] as string[])) if (/^[0-9a-f]{2}$/.test(b)) dirs.push(join(root, a, b));
  }
  return dirs;
}
