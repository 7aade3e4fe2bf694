import { expect } from 'chai';
import { join } from 'node:path';
import { fallbackEnrichment } from '../src/enrichment/index.js';
import { ingestJob } from '../src/ingest/import-files.js';
import { FallbackEnrichmentWriter } from '../src/pipeline/fallback-enrichment-writer.js';
import { JOB } from '../src/pipeline/job-kinds.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { EnrichmentStore } from '../src/storage/sqlite/enrichments.js';
import { sqlitePath } from '../src/storage/sqlite/database.js';
import { openStore, type Store } from '../src/storage/store.js';
import { tempDataDir } from './support/node-process.js';

function paper(i: number, version = 1): PaperRecord {
  return {
    id: `2402.${String(i).padStart(5, '0')}`,
    version,
    title: `Retrieval augmented decoding, study ${i} (v${version})`,
    abstract: `We show that retrieval augmented decoding improves factual accuracy on benchmark ${i}. Code is at https://github.com/example/rad${i}.`,
    authors: [{ name: `Author ${i}`, affiliations: [] }, { name: 'Ada Lovelace', affiliations: [] }],
    categories: ['cs.CL'],
    primaryCategory: 'cs.CL',
    published: '2024-02-01T00:00:00Z',
    updated: '2024-02-01T00:00:00Z',
    source: 'arxiv-api',
  };
}

const enrichStates = (store: Store) => Object.fromEntries((store.db.prepare(`SELECT state, count(*) AS n FROM jobs WHERE kind = '${JOB.enrich}' GROUP BY state`).all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));

describe('enrichment writer: the fallback enricher\'s steps in a thread of their own', function () {
  this.timeout(120_000);
  let store: Store;
  let clock: ManualClock;
  let dir: string;
  let writer: FallbackEnrichmentWriter;

  beforeEach(async () => {
    clock = new ManualClock(1_700_000_000_000);
    dir = join(tempDataDir(), 'data');
    store = await openStore(dir, clock);
    writer = new FallbackEnrichmentWriter(sqlitePath(dir), store.writeGate);
  });

  afterEach(async () => {
    await writer.close();
    store.close();
  });

  it('enriches, links and completes each claimed paper; skips stale versions and fails a paper with nothing to summarise', async () => {
    store.journal.acceptMany(Array.from({ length: 5 }, (_, i) => ingestJob(paper(i), 1)));
    await store.indexWriter.index({ owner: 'test:indexer', batchSize: 50, leaseMs: 60_000, now: clock.now(), fetchPdfs: false, enrich: true });
    // Paper 0 is revised (its v1 job goes stale), and paper 4 loses its text.
    store.journal.acceptMany([ingestJob(paper(0, 2), 1)]);
    await store.indexWriter.index({ owner: 'test:indexer', batchSize: 50, leaseMs: 60_000, now: clock.now(), fetchPdfs: false, enrich: true });
    store.db.prepare(`UPDATE papers SET title = '', abstract = '' WHERE id = ?`).run(paper(4).id);
    expect(store.journal.pendingOf(JOB.enrich)).to.equal(6);

    clock.advance(1_000);
    const outcome = await writer.request({ owner: 'test:enricher', limit: 50, leaseMs: 60_000, now: clock.now(), retryMs: 5_000 });
    expect(outcome).to.include({ claimed: 6, enriched: 4, skipped: 1 });
    expect(outcome.failed).to.have.length(1);
    expect(outcome.failed[0]).to.include({ paper: paper(4).id, permanent: true });
    expect(outcome.failed[0]!.message).to.match(/neither title nor abstract/);
    expect(enrichStates(store)).to.deep.equal({ done: 5, failed: 1 });

    // What the thread committed, read on the event loop's connection: the fallback's own answer,
    // for the newest version, stamped with the step's time.
    const enrichments = new EnrichmentStore(store.db, clock);
    const stored = enrichments.get(paper(0).id)!;
    expect(stored).to.include({ version: 2, updatedAt: clock.now() });
    expect(stored.provenance.producer).to.equal('fallback');
    expect(stored.result).to.deep.equal(fallbackEnrichment(store.papers.get(paper(0).id)!));
    expect(enrichments.get(paper(4).id)).to.equal(undefined);
    // The paper's place in the graph came with it: its category, and the code its abstract names.
    const edges = store.db.prepare('SELECT kind, to_id FROM graph_edges WHERE from_id = ? ORDER BY kind, to_id').all(`paper:${paper(2).id}`) as { kind: string; to_id: string }[];
    expect(edges.map((e) => e.kind)).to.include.members(['in_category', 'has_code']);
    expect(edges.some((e) => e.to_id.includes('github.com/example/rad2'))).to.equal(true, JSON.stringify(edges));

    const again = await writer.request({ owner: 'test:enricher', limit: 50, leaseMs: 60_000, now: clock.now(), retryMs: 5_000 });
    expect(again).to.include({ claimed: 0, enriched: 0 });
  });
});
