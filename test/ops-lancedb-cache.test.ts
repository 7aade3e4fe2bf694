import { expect } from 'chai';
import * as lancedb from '@lancedb/lancedb';
import { readdirSync, readlinkSync, rmSync } from 'node:fs';
import { loadConfig } from '../src/config/load.js';
import { DEFAULT_ANN_POLICY } from '../src/storage/lancedb/ann-policy.js';
import { VectorStore, lancedbSession } from '../src/storage/lancedb/vector-store.js';
import { tempDataDir } from './support/node-process.js';

/** Seeded vectors, so both stores see the same table and the same queries. */
function vectors(seed: number): () => Float32Array {
  let s = seed;
  const next = () => ((s = (s * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32) - 0.5;
  return () => Float32Array.from({ length: 64 }, next);
}

/** The index segments (by directory) of the table in `dir` that this process has a file open in. */
function indexFilesOpen(dir: string): string[] {
  const segments = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed since the listing
    }
    const segment = target.startsWith(dir) ? /_indices\/([^/]+)\//.exec(target)?.[1] : undefined;
    if (segment) segments.add(segment);
  }
  return [...segments];
}

/** A table of four fragments with an IVF index, then 30 searches: what fills LanceDB's caches. */
async function searchWith(session: lancedb.Session): Promise<void> {
  const dir = tempDataDir();
  const store = await VectorStore.open(dir, 64, { session, ann: { ...DEFAULT_ANN_POLICY, minRows: 1_000, rowsPerPartition: 256 } });
  try {
    const next = vectors(11);
    for (let f = 0; f < 4; f++) await store.upsert(Array.from({ length: 1_000 }, (_, i) => ({ id: `${f}-${i}`, vector: next(), embedder: 'e', updated: '' })));
    expect((await store.maintainIndex()).index?.indexed).to.equal(4_000);
    const query = vectors(23);
    for (let q = 0; q < 30; q++) expect(await store.search(query(), 10)).to.have.length(10);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('LanceDB caches: bounded by config, not by LanceDB\'s 6 GiB and 1 GiB defaults', function () {
  this.timeout(60_000);

  it('the vector store searches through the session it is given, and a small bound evicts what a large one keeps', async () => {
    const large = lancedbSession({ indexCacheBytes: 1 << 30, metadataCacheBytes: 1 << 30 });
    const small = lancedbSession({ indexCacheBytes: 1_048_576, metadataCacheBytes: 1_048_576 });
    await searchWith(large);
    await searchWith(small);
    // A session the connection ignored would hold nothing (lancedb 0.31 drops one passed as connect's third argument).
    expect(large.approxNumItems()).to.be.greaterThan(0);
    expect(small.approxNumItems()).to.be.greaterThan(0);
    expect(small.approxNumItems(), 'entries the 1 MiB bound evicted').to.be.lessThan(large.approxNumItems());
    expect(Number(small.sizeBytes()), 'bytes held within the two 1 MiB bounds').to.be.at.most(2 * 1_048_576);
  });

  it('a node\'s bounds come from config (lancedb.*), 512 MiB of index and 2 MiB of metadata by default', () => {
    expect(loadConfig({ env: {} }).lancedb).to.deep.equal({ indexCacheBytes: 512 * 1_048_576, metadataCacheBytes: 2 * 1_048_576 });
    expect(loadConfig({ env: { PAPERD_LANCEDB_INDEX_CACHE_BYTES: String(32 * 1_048_576) } }).lancedb.indexCacheBytes).to.equal(32 * 1_048_576);
    expect(() => loadConfig({ env: { PAPERD_LANCEDB_METADATA_CACHE_BYTES: '-1' } })).to.throw(/lancedb/);
    expect(() => loadConfig({ env: { PAPERD_LANCEDB_INDEX_CACHE_BYTES: '1000' } })).to.throw(/lancedb/);
  });

  it('index segments that upkeep replaced stay open only until the metadata bound evicts them: at the default the count levels off', async () => {
    const defaults = loadConfig({ env: {} }).lancedb;
    /** Index segments open after each round, for `rounds` rounds. */
    const held = async (metadataCacheBytes: number, rounds: number) => {
      const dir = tempDataDir();
      const store = await VectorStore.open(dir, 64, { session: lancedbSession({ ...defaults, metadataCacheBytes }), ann: { ...DEFAULT_ANN_POLICY, minRows: 1_000, rowsPerPartition: 256, maxUnindexed: 100 } });
      const open: number[] = [];
      try {
        const next = vectors(5);
        const query = vectors(29);
        // Each round adds rows, folds them into the index (a new segment replaces one) and searches it.
        for (let round = 0; round < rounds; round++) {
          await store.upsert(Array.from({ length: round === 0 ? 1_200 : 300 }, (_, i) => ({ id: `${round}-${i}`, vector: next(), embedder: 'e', updated: '' })));
          await store.maintainIndexHere(true);
          for (let q = 0; q < 5; q++) expect(await store.search(query(), 10)).to.have.length(10);
          open.push(indexFilesOpen(dir).length);
        }
        return open;
      } finally {
        store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    };
    expect(await held(0, 4), 'no cache: no index file open between searches').to.deep.equal([0, 0, 0, 0]);
    const bounded = await held(defaults.metadataCacheBytes, 40);
    expect(bounded[9]!, 'replaced segments are held while the cache has room').to.be.greaterThan(bounded[1]!);
    const late = bounded.slice(30);
    expect(Math.max(...late), 'then evicted as fast as upkeep replaces them').to.be.at.most(bounded[24]! + 3);
    expect(Math.max(...late), "a few dozen files at most").to.be.at.most(60);
  });
});
