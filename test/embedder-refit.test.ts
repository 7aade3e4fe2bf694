import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { importLocally } from '../src/pipeline/import-locally.js';
import { systemClock } from '../src/runtime/clock.js';
import { silentLogger } from '../src/runtime/logger.js';
import { openStore } from '../src/storage/store.js';
import { tempDataDir } from './support/node-process.js';

const topics = [
  ['protein', 'folding', 'amino', 'structure', 'residue'],
  ['galaxy', 'telescope', 'redshift', 'stellar', 'cosmic'],
  ['transformer', 'attention', 'token', 'language', 'decoder'],
];

function writeCorpus(file: string, count: number, offset = 0): void {
  const lines = [];
  for (let i = offset; i < offset + count; i++) {
    const words = topics[i % 3]!;
    lines.push(JSON.stringify({ _id: `t${i}`, title: `${words[i % 5]} study ${i}`, text: `${words.join(' ')} ${words[(i + 2) % 5]} analysis number ${i}.` }));
  }
  writeFileSync(file, lines.join('\n'));
}

describe('the embedded embedder learns from the corpus', function () {
  this.timeout(120_000);

  it('stays on the hash embedder while the corpus is small, then refits to LSA and remakes every vector with it', async () => {
    const dir = tempDataDir();
    const dataDir = join(dir, 'data');
    const config = loadConfig({ env: {}, overrides: { dataDir, pipeline: { fetchPdfs: false, idleMs: 20 } } });
    writeCorpus(join(dir, 'small.jsonl'), 50);
    await importLocally([join(dir, 'small.jsonl')], config, silentLogger());
    let store = await openStore(dataDir, systemClock());
    expect(store.embedder.name).to.match(/^hash-/);
    store.close();

    writeCorpus(join(dir, 'more.jsonl'), 250, 50);
    await importLocally([join(dir, 'more.jsonl')], config, silentLogger());
    store = await openStore(dataDir, systemClock());
    try {
      expect(store.embedder.name).to.match(/^lsa-v1-d256-[0-9a-f]{16}$/);
      const names = new Set<string>();
      for (const id of await store.vectors.ids()) names.add((await store.vectors.get(id))!.embedder);
      expect([...names]).to.deep.equal([store.embedder.name]);
      expect(await store.vectors.count()).to.equal(300);
      // And the learned space is semantic: a query about one topic finds that topic's papers.
      const [q] = await store.embedder.embed(['amino acid residue folding']);
      const hits = await store.vectors.search(q!, 10);
      const onTopic = hits.filter((h) => Number(h.id.replace('beir:t', '')) % 3 === 0).length;
      expect(onTopic).to.be.at.least(9);
      // A vector the old model made (as during a re-sync) is never compared with a new query.
      await store.vectors.upsert([{ id: 'beir:stale', vector: q!, embedder: 'hash-v1-d256-b0.5', updated: '' }]);
      expect((await store.vectors.search(q!, 5)).map((h) => h.id)).to.include('beir:stale');
      expect((await store.vectors.search(q!, 5, { embedder: store.embedder.name })).map((h) => h.id)).to.not.include('beir:stale');
    } finally {
      store.close();
    }
  });
});

describe('a corpus the embedded model cannot learn from', function () {
  this.timeout(60_000);

  it('keeps the current embedder and does not fail the import', async () => {
    const dir = tempDataDir();
    // Every paper has the same words: each term is in every document, so LSA has nothing to keep.
    writeFileSync(join(dir, 'same.jsonl'), Array.from({ length: 220 }, (_, i) => JSON.stringify({ _id: `s${i}`, title: 'same words', text: 'same words again' })).join('\n'));
    const config = loadConfig({ env: {}, overrides: { dataDir: join(dir, 'data'), pipeline: { fetchPdfs: false, idleMs: 20 } } });
    const report = await importLocally([join(dir, 'same.jsonl')], config, silentLogger());
    expect(report.papers).to.equal(220);
    const store = await openStore(join(dir, 'data'), systemClock());
    expect(store.embedder.name).to.match(/^hash-/);
    store.close();
  });
});
