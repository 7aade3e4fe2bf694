/**
 * The backpressure scenario in a process of its own, so the RSS it reports is the pipeline's,
 * not the test runner's: a slow indexer (10 ms an item, on a manual clock), a producer offering
 * every line of a BEIR corpus as fast as it is admitted. Prints one JSON line of what it saw.
 * Run with --expose-gc: the JS heap is read after a full collection at each quarter of the corpus.
 * Usage: node --expose-gc --import tsx test/support/backpressure-run.ts CORPUS DATA_DIR HIGH LOW BATCH ENTRIES
 */
import { loadConfig } from '../../src/config/load.js';
import { importFiles } from '../../src/ingest/import-files.js';
import { buildTree, noParts } from '../../src/node/tree.js';
import { createIngestion } from '../../src/pipeline/ingestion.js';
import { ManualClock } from '../../src/runtime/manual-clock.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { openStore } from '../../src/storage/store.js';
import { ActorSystem } from '../../src/supervisors/index.js';
import { settle } from './actors.js';

const [corpus, dataDir, highArg, lowArg, batchArg, entriesArg] = process.argv.slice(2);
const high = Number(highArg);
const low = Number(lowArg);
const batch = Number(batchArg);
const clock = new ManualClock(Date.now());
const config = loadConfig({
  env: {},
  overrides: { dataDir, pipeline: { batchSize: batch, highWatermark: high, lowWatermark: low, indexerDelayPerItemMs: 10, idleMs: 100, fetchPdfs: false } },
});
const store = await openStore(config.dataDir, clock);
const log = silentLogger();
const system = new ActorSystem({ clock, log });
const ingestion = createIngestion({ system, store, config, clock, log, owner: 'bench' });
await system.start(buildTree(system, config, { ...noParts, storage: ingestion.storageChildren, pipeline: ingestion.pipelineChildren }), () => {});

const entries = Number(entriesArg);
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
let maxDepth = 0;
// Peak RSS in each half of the corpus: a pipeline that holds what it was offered grows in the second.
const maxRss = [0, 0];
// Live JS heap after a full collection, at each quarter of the corpus accepted.
const heapAfterGc: number[] = [];
let acceptedSoFar = 0;
const sample = () => {
  maxDepth = Math.max(maxDepth, ingestion.depth());
  const half = acceptedSoFar < entries / 2 ? 0 : 1;
  maxRss[half] = Math.max(maxRss[half]!, process.memoryUsage().rss);
};
let finished = false;
const importing = importFiles([corpus!], {
  journal: store.journal,
  admit: () => ingestion.watcher.waitForCapacity(),
  accepted: (count) => {
    acceptedSoFar += count;
    sample();
    if (acceptedSoFar >= ((heapAfterGc.length + 1) * entries) / 4) {
      gc();
      heapAfterGc.push(process.memoryUsage().heapUsed);
    }
    ingestion.nudge();
  },
  batchSize: batch,
}).finally(() => (finished = true));

// Time passes only while the producer is held back (or done): the producer is as fast as it can
// be against an indexer that takes 10 ms an item, the worst case for memory.
for (let step = 0; step < 200_000 && !(finished && ingestion.depth() === 0); step++) {
  await settle(3);
  sample();
  if (finished || ingestion.watcher.isPaused) clock.advance(batch * 10);
}
const report = await importing;
await system.shutdown();
const papers = store.papers.count();
const vectors = await store.vectors.count();
store.close();
console.log(JSON.stringify({ accepted: report.accepted, papers, vectors, maxDepth, maxRssMb: maxRss.map(mb), heapAfterGcMb: heapAfterGc.map(mb), crossings: ingestion.watcher.crossings }));
