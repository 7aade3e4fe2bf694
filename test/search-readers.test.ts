import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { InvalidSearchOptionsError } from '../src/errors.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { BACKGROUND_NICENESS, procStatFields } from '../src/runtime/background-thread.js';
import { PersistentWorker } from '../src/runtime/persistent-worker.js';
import { addFacets, type SearchRead, type SearchReadAnswer } from '../src/search/search-reads.js';
import { SearchReaders, type SearchReaderData } from '../src/search/search-readers.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { PaperStore } from '../src/storage/sqlite/papers.js';

function paper(n: number, title: string, categories = ['cs.LG'], published = '2024-03-10T12:00:00Z'): PaperRecord {
  return {
    id: `2401.${String(n).padStart(5, '0')}`,
    version: 1,
    title,
    abstract: `An abstract about ${title.toLowerCase()}, with <b>markup</b> & more.`,
    authors: [{ name: 'Ada Lovelace', affiliations: [] }],
    categories,
    primaryCategory: categories[0]!,
    published,
    updated: published,
    source: 'arxiv-api',
  };
}

describe('search readers: the SQLite reads of searches in threads of their own', () => {
  let dir: string;
  let db: Database;
  let store: PaperStore;
  const open: SearchReaders[] = [];
  const readers = (threads?: number) => {
    const r = new SearchReaders(db, threads);
    open.push(r);
    return r;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-readers-'));
    db = openDatabase(path.join(dir, 'paperd.sqlite'));
    store = new PaperStore(db);
    store.upsertMany([
      paper(1, 'Sparse attention for long documents', ['cs.LG', 'cs.CL'], '2023-05-01T00:00:00Z'),
      paper(2, 'Attention in graph networks', ['cs.LG']),
      paper(3, 'Protein folding with attention', ['q-bio.BM']),
      paper(4, 'A study of convex optimisation', ['math.OC']),
    ]);
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.close()));
    if (db.open) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers BM25 searches, snippets and facets in threads exactly as on the caller thread', async () => {
    const threaded = readers(2);
    const inPlace = readers(0);
    const options = { limit: 10, filters: { categories: ['cs.LG'] }, snippets: true, facets: true };
    const there = await threaded.lexical('attention', options);
    const here = await inPlace.lexical('attention', options);
    expect(there.hits.map((h) => h.id).sort()).to.deep.equal(['2401.00001', '2401.00002']);
    expect(there).to.deep.equal(here);
    expect(there.hits.every((h) => h.snippet?.includes('<mark>'))).to.equal(true);
    expect(there.facets.categories).to.deep.include({ value: 'cs.CL', count: 1 });

    const ids = ['2401.00001', '2401.00002', '2401.00003'];
    const snippets = await threaded.snippets('attention', ids.slice(0, 2));
    expect(snippets).to.deep.equal(await inPlace.snippets('attention', ids.slice(0, 2)));
    expect([...snippets.keys()].sort()).to.deep.equal(ids.slice(0, 2));
    const facets = await threaded.facets(ids);
    expect(facets).to.deep.equal(await inPlace.facets(ids));
    expect(facets.years).to.deep.equal([{ value: '2024', count: 2 }, { value: '2023', count: 1 }]);
  });

  it('facets counted whole over two disjoint parts and added are the facets of both at once, cut to the 50 largest', async () => {
    // The first part holds 60 categories once each; the second the last ten of them again, which
    // makes those ten the largest of both, while the first part's own 50 largest (by name) leave them out.
    const first = Array.from({ length: 60 }, (_, i) => paper(100 + i, `First ${i}`, [`k.${String(i).padStart(2, '0')}`], `${2010 + (i % 3)}-01-01T00:00:00Z`));
    const second = Array.from({ length: 10 }, (_, i) => paper(200 + i, `Second ${i}`, [`k.${50 + i}`], '2020-01-01T00:00:00Z'));
    store.upsertMany([...first, ...second]);
    const [one, other] = [first.map((p) => p.id), second.map((p) => p.id)];
    const threaded = readers(2);
    const both = await threaded.facets([...one, ...other]);
    expect(both.categories).to.have.length(50);
    expect(both.categories.slice(0, 11)).to.deep.equal([...Array.from({ length: 10 }, (_, i) => ({ value: `k.${50 + i}`, count: 2 })), { value: 'k.00', count: 1 }]);

    const added = addFacets(await threaded.facets(one, { whole: true }), await threaded.facets(other, { whole: true }));
    expect(added).to.deep.equal(both);
    // Cut before adding, the first part leaves out what makes the ten the largest.
    const cut = addFacets(await threaded.facets(one), await threaded.facets(other));
    expect(cut.categories.slice(0, 10).map((c) => c.count)).to.deep.equal(Array(10).fill(1));
  });

  it('reads on connections of their own: they answer after the caller closed its handle, and see what was committed since they started', async () => {
    const threaded = readers(1);
    expect((await threaded.lexical('convex', { limit: 5 })).hits.map((h) => h.id)).to.deep.equal(['2401.00004']);
    store.upsertMany([paper(5, 'Convex relaxations revisited')]);
    expect((await threaded.lexical('convex', { limit: 5 })).hits.map((h) => h.id).sort()).to.deep.equal(['2401.00004', '2401.00005']);

    const inPlace = readers(0);
    db.close();
    expect((await threaded.lexical('relaxations', { limit: 5 })).hits.map((h) => h.id)).to.deep.equal(['2401.00005']);
    let failed: unknown;
    await inPlace.lexical('relaxations', { limit: 5 }).catch((error: unknown) => (failed = error));
    expect(String(failed)).to.match(/not open/);
  });

  it('brings options a thread refused back as InvalidSearchOptionsError, a 400, and keeps answering', async () => {
    const threaded = readers(1);
    let refused: unknown;
    await threaded.lexical('attention', { limit: 5, filters: { from: '2024-02-30' } }).catch((error: unknown) => (refused = error));
    expect(refused).to.be.instanceOf(InvalidSearchOptionsError);
    expect((refused as InvalidSearchOptionsError).option).to.equal('filters.from');
    expect((refused as InvalidSearchOptionsError).status).to.equal(400);
    expect((await threaded.lexical('protein', { limit: 5 })).hits.map((h) => h.id)).to.deep.equal(['2401.00003']);
  });

  it('reads a store held in memory in place, since no other connection can open it', async () => {
    const memory = openDatabase(':memory:');
    try {
      new PaperStore(memory).upsertMany([paper(9, 'Memory resident attention')]);
      const inMemory = new SearchReaders(memory, 2);
      open.push(inMemory);
      expect((await inMemory.lexical('resident', { limit: 5 })).hits.map((h) => h.id)).to.deep.equal(['2401.00009']);
    } finally {
      memory.close();
    }
  });

  it('keeps the event loop\'s CPU priority in its threads, where a batch thread of the same code runs lower (Linux)', async function () {
    if (!fs.existsSync('/proc/thread-self')) this.skip(); // nice values are read per thread from /proc
    const niceByThread = () =>
      new Map(
        fs.readdirSync('/proc/self/task').flatMap((tid) => {
          try {
            return [[tid, Number(procStatFields(`/proc/self/task/${tid}/stat`)[16])] as const];
          } catch {
            return []; // A thread that ended since the listing.
          }
        }),
      );
    const threadsSince = (before: Map<string, number>) => [...niceByThread()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);

    const before = niceByThread();
    const threaded = readers(2);
    // Two reads at once: one on each thread.
    await Promise.all([threaded.lexical('attention', {}), threaded.lexical('protein', {})]);
    const searchThreads = threadsSince(before);
    expect(searchThreads.length).to.be.at.least(2);
    expect(searchThreads.filter((nice) => nice === BACKGROUND_NICENESS)).to.deep.equal([]);

    // The same reader module started as batch work is lowered.
    const beforeBatch = niceByThread();
    const batch = new PersistentWorker<SearchRead, SearchReadAnswer>(new URL('../src/search/search-read-worker.ts', import.meta.url), 'a batch reader', {
      workerData: { file: db.name, cacheKib: 1024 } satisfies SearchReaderData,
    });
    try {
      await batch.request({ kind: 'facets', ids: ['2401.00001'] });
      expect(threadsSince(beforeBatch)).to.include(BACKGROUND_NICENESS);
    } finally {
      await batch.close();
    }
  });
});
