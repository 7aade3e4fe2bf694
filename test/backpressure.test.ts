import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tempDataDir } from './support/node-process.js';

async function writeCorpus(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  const abstract = 'We propose a method for learning sparse representations of scientific text and evaluate it on retrieval. '.repeat(10);
  for (let i = 0; i < count; i++) {
    if (!out.write(JSON.stringify({ _id: `b${i}`, title: `Paper ${i}`, text: abstract }) + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

describe('backpressure: a slow indexer and 50,000 entries offered', function () {
  this.timeout(300_000);
  // The run is a child process: a test that times out must not leave it running.
  let abort: AbortController;
  beforeEach(() => (abort = new AbortController()));
  afterEach(() => abort.abort());

  it('keeps the pipeline depth within one batch of the high watermark, and memory flat from the first half of the corpus to the second', async () => {
    const dir = tempDataDir();
    const corpus = join(dir, 'corpus.jsonl');
    const [high, low, batch, entries] = [2_000, 500, 250, 50_000];
    await writeCorpus(corpus, entries);
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', resolve('test/support/backpressure-run.ts'), corpus, join(dir, 'data'), String(high), String(low), String(batch), String(entries)], {
      maxBuffer: 1 << 20,
      signal: abort.signal,
    });
    const seen = JSON.parse(stdout.trim().split('\n').pop()!) as { accepted: number; papers: number; vectors: number; maxDepth: number; maxRssMb: [number, number]; heapAfterGcMb: number[]; crossings: { paused: number; resumed: number } };
    expect(seen).to.include({ accepted: entries, papers: entries, vectors: entries });
    expect(seen.crossings.paused, 'the producer was held back').to.be.greaterThan(5);
    expect(seen.crossings.resumed).to.equal(seen.crossings.paused);
    expect(seen.maxDepth, `max depth ${seen.maxDepth}`).to.be.at.most(high + batch);
    // Bounded means what was offered is not held: the live JS heap is the same at the last quarter
    // as at the first (an entry's text alone is about 1 KB, 12,500 entries a quarter), and the
    // process grows no further in the corpus's second half than the allocator's noise.
    const [firstHeap, lastHeap] = [seen.heapAfterGcMb[0]!, seen.heapAfterGcMb.at(-1)!];
    expect(seen.heapAfterGcMb, 'heap read at each quarter').to.have.length(4);
    expect(lastHeap, `live heap by quarter ${seen.heapAfterGcMb.join(', ')} MB`).to.be.at.most(firstHeap + 8);
    const [firstRss, secondRss] = seen.maxRssMb;
    expect(secondRss, `peak RSS ${firstRss} MB in the first half, ${secondRss} MB in the second`).to.be.at.most(firstRss + 48);
    // A gross guard: LanceDB, SQLite's 64 MiB writer cache and the worker threads' heaps are most of it.
    expect(Math.max(firstRss, secondRss)).to.be.below(512);
  });
});
