import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { openDatabase, sqlitePath } from '../src/storage/sqlite/database.js';
import { join, resolve } from 'node:path';
import { runCli, tempDataDir } from './support/node-process.js';

/** A deterministic stream of numbers in [0, 1): the kill moments are the same on every run. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

function writeCorpus(dir: string, count: number, files: number): string[] {
  const perFile = Math.ceil(count / files);
  return Array.from({ length: files }, (_, f) => {
    const path = join(dir, `part-${f}.jsonl`);
    const lines = [];
    for (let i = f * perFile; i < Math.min(count, (f + 1) * perFile); i++) {
      lines.push(JSON.stringify({ _id: `p${i}`, title: `Paper ${i} on sparse mixtures of experts`, text: `We study routing number ${i}. `.repeat(20) }));
    }
    writeFileSync(path, lines.join('\n'));
    return path;
  });
}

/** Rows of a table of the data dir; 0 while the database or the table does not exist yet. */
function count(dataDir: string, table: 'papers' | 'jobs'): number {
  if (!existsSync(sqlitePath(dataDir))) return 0;
  const db = openDatabase(sqlitePath(dataDir), { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

const journaled = (dataDir: string) => count(dataDir, 'jobs');

describe('crash recovery: kill -9 during an import, ten times', function () {
  this.timeout(240_000);

  it('ends with exactly every paper in every store, no duplicates and no stuck job', async () => {
    const dir = tempDataDir();
    const dataDir = join(dir, 'data');
    const corpus = writeCorpus(dir, 5_000, 5);
    const random = seeded(20261127);
    const env = { ...process.env, PAPERD_PIPELINE_INDEXER_DELAY_PER_ITEM_MS: '2', PAPERD_PIPELINE_BATCH_SIZE: '200', PAPERD_PIPELINE_IDLE_MS: '50' };
    const killedAt: number[] = [];
    const papersAfterKill: number[] = [];
    for (let round = 0; round < 10; round++) {
      const child = spawn(process.execPath, [resolve('bin/paperd.js'), 'import', '--data', dataDir, '--json', ...corpus], { env, stdio: 'ignore' });
      let done = false;
      const exited = new Promise<NodeJS.Signals | null>((res) => child.once('exit', (_code, signal) => {
        done = true;
        res(signal);
      }));
      // The kill lands at a random moment once the import is at work (its jobs are in the journal
      // and the index writer's thread has written its first batch), however long the process and
      // the thread took to start on this machine. Round after round there is less left to do.
      const before = count(dataDir, 'papers');
      while (!done && (journaled(dataDir) === 0 || (before < 5_000 && count(dataDir, 'papers') === before))) await new Promise((r) => setTimeout(r, 25));
      const delay = Math.floor(random() * 2_500);
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const signal = await exited;
      clearTimeout(timer);
      if (signal === 'SIGKILL') killedAt.push(delay);
      papersAfterKill.push(count(dataDir, 'papers'));
    }
    // The kills must really have cut imports short in the middle of their work, or the test proves nothing.
    // (Late rounds have little left to do and may finish before their kill: that is fine.)
    expect(killedAt.length).to.be.at.least(6);
    expect(papersAfterKill.filter((n) => n > 0 && n < 5_000).length, `papers after each kill: ${papersAfterKill}`).to.be.at.least(3);

    const final = await runCli(['import', '--data', dataDir, '--json', ...corpus], { PAPERD_PIPELINE_IDLE_MS: '50' });
    expect(final.code, final.stderr).to.equal(0);
    expect(JSON.parse(final.stdout)).to.include({ papers: 5_000, failedJobs: 0 });
    const check = await runCli(['check', '--data', dataDir, '--json']);
    expect(check.code, check.stdout).to.equal(0);
    expect(JSON.parse(check.stdout)).to.deep.include({ ok: true, papers: 5_000, fts: 5_000, vectors: 5_000, duplicates: 0, orphan_vectors: 0, missing_in_vectors: 0, stuck_jobs: 0 });
  });
});
