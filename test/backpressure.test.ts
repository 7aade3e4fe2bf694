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

  it('keeps the pipeline depth within one batch of the high watermark, and the process under 400 MB', async () => {
    const dir = tempDataDir();
    const corpus = join(dir, 'corpus.jsonl');
    await writeCorpus(corpus, 50_000);
    const [high, low, batch] = [2_000, 500, 250];
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', resolve('test/support/backpressure-run.ts'), corpus, join(dir, 'data'), String(high), String(low), String(batch)], {
      maxBuffer: 1 << 20,
      signal: abort.signal,
    });
    const seen = JSON.parse(stdout.trim().split('\n').pop()!) as { accepted: number; papers: number; vectors: number; maxDepth: number; maxRssMb: number; crossings: { paused: number; resumed: number } };
    expect(seen).to.include({ accepted: 50_000, papers: 50_000, vectors: 50_000 });
    expect(seen.crossings.paused, 'the producer was held back').to.be.greaterThan(5);
    expect(seen.crossings.resumed).to.equal(seen.crossings.paused);
    expect(seen.maxDepth, `max depth ${seen.maxDepth}`).to.be.at.most(high + batch);
    expect(seen.maxRssMb, `max RSS ${seen.maxRssMb} MB`).to.be.below(400);
  });
});
