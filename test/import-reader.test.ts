import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportReader } from '../src/ingest/import-reader.js';
import { importFiles } from '../src/ingest/import-files.js';
import { JOB } from '../src/pipeline/job-kinds.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { sqlitePath } from '../src/storage/sqlite/database.js';
import { openStore, type Store } from '../src/storage/store.js';
import { tempDataDir } from './support/node-process.js';

/** A BEIR corpus of `count` papers with two lines that cannot be used among them. */
function corpus(dir: string, name: string, count: number, from = 0): string {
  const lines = Array.from({ length: count }, (_, i) => JSON.stringify({ _id: `doc-${from + i}`, title: `Sparse routing study ${from + i}`, text: `Mixtures of experts route tokens, case ${from + i}.` }));
  lines.splice(3, 0, '{"_id": "broken", "title": ');
  lines.splice(7, 0, JSON.stringify({ title: 'no id' }));
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n'));
  return file;
}

const ingestJobs = (store: Store) => store.journal.pendingOf(JOB.ingest);

describe('import reader: an upload\'s parsing and journaling in a thread of their own', function () {
  this.timeout(120_000);
  let dir: string;
  let store: Store;
  let clock: ManualClock;

  beforeEach(async () => {
    dir = tempDataDir();
    clock = new ManualClock(1_700_000_000_000);
    store = await openStore(join(dir, 'data'), clock);
  });

  afterEach(() => store.close());

  it('journals what importFiles on the event loop would, stamped with the node\'s clock, and a second run finds only duplicates', async () => {
    const file = corpus(dir, 'a.jsonl', 1_200);
    let woken = 0;
    const report = await store.importReader.importFiles([file], { admit: async () => undefined, accepted: (n) => (woken += n), batchSize: 500 });

    // The same file through the event loop's path, into a second store: the reports agree.
    const other = await openStore(join(dir, 'other'), clock);
    try {
      const inProcess = await importFiles([file], { journal: other.journal, admit: async () => undefined, batchSize: 500 });
      expect(report).to.deep.equal(inProcess);
    } finally {
      other.close();
    }
    expect(report).to.include({ files: 1, accepted: 1_200, duplicates: 0, rejectedEntries: 2 });
    expect(report.byFormat).to.deep.equal({ beir: 1 });
    expect(report.rejectedSample.map((r) => r.where)).to.deep.equal(['line 4', 'line 8']);
    expect(woken).to.equal(1_200);
    expect(ingestJobs(store)).to.equal(1_200);
    expect(store.db.prepare(`SELECT DISTINCT created_at FROM jobs WHERE kind = 'ingest'`).pluck().all()).to.deep.equal([clock.now()]);

    const again = await store.importReader.importFiles([file], { admit: async () => undefined, batchSize: 500 });
    expect(again).to.include({ accepted: 0, duplicates: 1_200 });
    expect(ingestJobs(store)).to.equal(1_200);
  });

  it('journals a batch only once admitted: backpressure holds the rest of the file in the thread', async () => {
    const file = corpus(dir, 'a.jsonl', 1_000);
    const gates: (() => void)[] = [];
    const importing = store.importReader.importFiles([file], { admit: () => new Promise<void>((resolve) => gates.push(resolve)), batchSize: 300 });
    const admitted = async (count: number) => {
      for (const end = Date.now() + 30_000; gates.length < count && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
      expect(gates, 'waiting for admission').to.have.length(count);
    };
    await admitted(1);
    expect(ingestJobs(store), 'nothing before the first admission').to.equal(0);
    gates[0]!();
    await admitted(2);
    expect(ingestJobs(store)).to.equal(300);
    gates[1]!();
    await admitted(3);
    expect(ingestJobs(store)).to.equal(600);
    gates[2]!();
    await admitted(4);
    gates[3]!();
    expect((await importing).accepted).to.equal(1_000);
    expect(gates, 'no admission asked for once the file is read').to.have.length(4);
  });

  it('keeps two imports at once apart, and reports a file it cannot read beside the rest', async () => {
    const a = corpus(dir, 'a.jsonl', 700);
    const b = corpus(dir, 'b.jsonl', 900, 10_000);
    const bad = join(dir, 'notes.txt');
    writeFileSync(bad, 'not a dump');
    const [first, second] = await Promise.all([
      store.importReader.importFiles([a], { admit: async () => undefined, batchSize: 200 }),
      store.importReader.importFiles([b, bad], { admit: async () => undefined, batchSize: 200 }),
    ]);
    expect(first).to.include({ accepted: 700, files: 1 });
    expect(second).to.include({ accepted: 900, files: 2 });
    expect(first.failedFiles).to.deep.equal([]);
    expect(second.failedFiles.map((f) => f.file)).to.deep.equal([bad]);
    expect(second.failedFiles[0]!.reason).to.contain('not a format paperd imports');
    expect(ingestJobs(store)).to.equal(1_600);
  });

  it('a thread that dies mid-import fails the import, keeps what it journaled, and importing again adds only the rest', async () => {
    const file = corpus(dir, 'a.jsonl', 3_000);
    let batches = 0;
    const dying = store.importReader.importFiles([file], {
      admit: async () => {
        // Killed once two batches are in.
        if (++batches === 3) await store.importReader.close();
      },
      batchSize: 500,
    });
    let failure: unknown;
    await dying.catch((e: unknown) => (failure = e));
    expect(String(failure)).to.match(/closed/);
    expect(ingestJobs(store)).to.equal(1_000);

    const reader = new ImportReader(sqlitePath(store.dataDir), store.writeGate, clock);
    try {
      const again = await reader.importFiles([file], { admit: async () => undefined, batchSize: 500 });
      expect(again).to.include({ accepted: 2_000, duplicates: 1_000 });
    } finally {
      await reader.close();
    }
    expect(ingestJobs(store)).to.equal(3_000);
  });
});
