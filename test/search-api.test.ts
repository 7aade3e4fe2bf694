import { expect } from 'chai';
import { Registry as PromRegistry } from 'prom-client';
import { pino } from 'pino';
import { buildApi } from '../src/api/server.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { systemClock } from '../src/runtime/clock.js';
import { SearchService } from '../src/search/search-service.js';
import { parseServerTiming } from '../src/search/search-timings.js';
import { openStore, type Store } from '../src/storage/store.js';
import { ActorSystem } from '../src/supervisors/index.js';
import { tempDataDir } from './support/node-process.js';

function paper(id: string, title: string, abstract: string, extra: Partial<PaperRecord> = {}): PaperRecord {
  return { id, version: 1, title, abstract, authors: [{ name: 'Ada Example', affiliations: [] }], categories: ['cs.LG'], primaryCategory: 'cs.LG', published: '2024-03-01T00:00:00Z', updated: '2024-03-01T00:00:00Z', source: 'arxiv-api', ...extra };
}

const corpus: PaperRecord[] = [
  paper('2401.00001', 'Sparse attention for long documents', 'We make attention sparse so transformers read long documents.', { categories: ['cs.CL', 'cs.LG'], primaryCategory: 'cs.CL', published: '2024-01-10T00:00:00Z' }),
  paper('2402.00002', 'Diffusion models for protein design', 'Denoising diffusion generates protein backbones.', { categories: ['q-bio.BM'], primaryCategory: 'q-bio.BM', published: '2024-02-10T00:00:00Z' }),
  paper('2303.00003', 'Attention is cheap: linear transformers', 'Linear attention approximates softmax attention in transformers.', { published: '2023-03-10T00:00:00Z' }),
  paper('2304.00004', 'Graph neural networks for molecules', 'Message passing networks predict molecular properties.', { published: '2023-04-10T00:00:00Z', categories: ['cs.LG', 'physics.chem-ph'] }),
  ...Array.from({ length: 30 }, (_, i) => paper(`2405.${String(100 + i).padStart(5, '0')}`, `Transformer study number ${i}`, `Attention heads in transformer layer ${i}.`)),
];

describe('search API', function () {
  this.timeout(60_000);
  let store: Store;
  let url: string;
  let close: () => Promise<void>;

  before(async () => {
    store = await openStore(tempDataDir(), systemClock());
    store.papers.upsertMany(corpus);
    await store.vectorSync.drainAll();
    const system = new ActorSystem();
    await system.start(system.supervisor('root', []), () => {});
    const app = await buildApi({
      log: pino({ level: 'silent' }), node: 'single', registry: system.registry, db: store.db, prom: new PromRegistry(), isReady: () => true, testHooks: false,
      bodyLimitBytes: 1 << 20, version: 'test', auth: { openReads: true, perMinuteKeyed: 100_000, perMinuteAnonymous: 100_000 },
      papers: { db: store.db, search: new SearchService({ db: store.db, vectors: store.vectors, embedder: () => store.embedder }), categories: ['cs.LG'], pipelineDepth: () => 0 },
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    close = async () => {
      await app.close();
      await system.shutdown();
      store.close();
    };
  });
  after(async () => close());

  const search = async (params: Record<string, string | string[]>) => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) qs.append(k, x);
    const response = await fetch(`${url}/v1/search?${qs}`);
    return { status: response.status, body: (await response.json()) as { hits: { id: string; snippet: string; rank: number }[]; total: number; embedder: string; mode: string; reason?: string; facets: { categories: { value: string; count: number }[]; years: { value: string; count: number }[] } } };
  };

  it('counts each search at the node\'s write gate while it runs, so batch writers hold back for it', async () => {
    const seen: number[] = [];
    const search = new SearchService({ db: store.db, vectors: store.vectors, embedder: () => (seen.push(store.writeGate.searches()), store.embedder), writeGate: store.writeGate, readerThreads: 0 });
    const [a, b] = await Promise.all([search.search({ q: 'attention' }), search.search({ q: 'protein', mode: 'bm25' })]);
    expect(a.hits.length).to.be.greaterThan(0);
    expect(b.hits.map((h) => h.id)).to.include('2402.00002');
    expect(seen, 'in flight as each search began').to.deep.equal([1, 2]);
    const refused = await search.search({ q: 'attention', limit: 10, filters: { from: 'not a date' } }).catch((e: Error) => e);
    expect(refused).to.be.instanceOf(Error);
    expect(store.writeGate.searches(), 'none in flight once they settled, refused ones included').to.equal(0);
  });

  it('answers each mode, naming the embedder of the vectors', async () => {
    for (const mode of ['hybrid', 'bm25', 'vector']) {
      const { status, body } = await search({ q: 'sparse attention long documents', mode });
      expect(status, mode).to.equal(200);
      expect(body.mode).to.equal(mode);
      expect(body.embedder).to.equal(store.embedder.name);
      expect(body.hits[0]!.id, mode).to.equal('2401.00001');
    }
  });

  it('says in Server-Timing which steps each mode took and how long, the reader threads\' SQLite time apart', async () => {
    const steps = async (mode: string) => {
      const response = await fetch(`${url}/v1/search?q=sparse+attention&mode=${mode}`);
      expect(response.status).to.equal(200);
      const timing = parseServerTiming(response.headers.get('server-timing'));
      for (const [name, ms] of timing) expect(ms, `${mode} ${name}`).to.be.a('number').and.satisfy(Number.isFinite).and.at.least(0);
      // Every step ran inside the search; the SQLite part of a read inside the read.
      for (const [name, ms] of timing) expect(ms, `${mode} ${name} within total`).to.be.at.most(timing.get('total')! + 0.1);
      if (timing.has('lexical')) expect(timing.get('lexical-sqlite')).to.be.at.most(timing.get('lexical')! + 0.1);
      return [...timing.keys()].sort();
    };
    expect(await steps('hybrid')).to.deep.equal(['ann', 'embed', 'facets', 'facets-sqlite', 'fusion', 'lancedb', 'lexical', 'lexical-sqlite', 'snippets', 'snippets-sqlite', 'summaries', 'total', 'vector-wait']);
    expect(await steps('bm25')).to.deep.equal(['lexical', 'lexical-sqlite', 'summaries', 'total']);
    expect(await steps('vector')).to.deep.equal(['ann', 'embed', 'facets', 'facets-sqlite', 'lancedb', 'summaries', 'total', 'vector-wait']);
  });

  it('filters by category and date range, and counts facets over the filtered results', async () => {
    const byCategory = await search({ q: 'attention transformers', mode: 'bm25', category: 'cs.CL' });
    expect(byCategory.body.hits.map((h) => h.id)).to.deep.equal(['2401.00001']);
    const in2023 = await search({ q: 'attention transformers networks', mode: 'hybrid', from: '2023-01-01', until: '2023-12-31' });
    expect(in2023.body.hits.map((h) => h.id).sort()).to.deep.equal(['2303.00003', '2304.00004']);
    expect(in2023.body.facets.years).to.deep.equal([{ value: '2023', count: 2 }]);
  });

  it('pages without overlap', async () => {
    const first = await search({ q: 'transformer', mode: 'bm25', limit: '10', offset: '0' });
    const second = await search({ q: 'transformer', mode: 'bm25', limit: '10', offset: '10' });
    const ids = [...first.body.hits, ...second.body.hits].map((h) => h.id);
    expect(new Set(ids).size).to.equal(20);
    expect(second.body.hits[0]!.rank).to.equal(11);
  });

  it('finds a paper updated to a new version once, by its newest text', async () => {
    store.papers.upsertMany([paper('2402.00002', 'Flow matching for protein design', 'Flow matching generates protein backbones.', { version: 2, categories: ['q-bio.BM'], primaryCategory: 'q-bio.BM' })]);
    await store.vectorSync.drainAll();
    const { body } = await search({ q: 'protein design', mode: 'hybrid' });
    expect(body.hits.filter((h) => h.id === '2402.00002')).to.have.length(1);
    expect((await search({ q: 'flow matching', mode: 'bm25' })).body.hits[0]!.id).to.equal('2402.00002');
    expect((await search({ q: 'denoising', mode: 'bm25' })).body.hits).to.have.length(0);
  });

  it('answers 200 hostile queries with results or a reason, never a 500', async () => {
    const hostile = [
      'NEAR(a b)', 'title:foo', '"unbalanced', 'a AND OR', '*', '^x', '(((', "'; DROP TABLE papers; --", 'x'.repeat(4000), '\u0000\u0001',
      '🙂 attention', 'عربى', '注意力机制', '\ud800', 'a:b:c', '-attention', '+', 'OR', 'NOT', '""', '" "', '{title abstract}: x', 'attention*', '\\', '%_',
    ];
    for (let i = 0; hostile.length < 200; i++) hostile.push(`${hostile[i % 25]} ${String.fromCharCode(33 + (i % 90))} ${i}`);
    for (const q of hostile) {
      for (const mode of ['bm25', 'hybrid']) {
        const { status, body } = await search({ q, mode });
        expect(status, JSON.stringify(q)).to.be.oneOf([200, 400]);
        // A well-formed answer: hits that are papers of the store, or none.
        if (status === 200) for (const hit of body.hits) expect(corpus.some((p) => p.id === hit.id), q).to.equal(true);
      }
    }
    expect(store.papers.count()).to.equal(corpus.length);
  });

  it('refuses bad parameters with a clear 400 and unknown papers with 404', async () => {
    expect((await search({ q: 'x', from: '2024-13-45' })).status).to.equal(400);
    expect((await search({ q: 'x', limit: '100000' })).status).to.equal(400);
    expect((await search({ q: 'x', mode: 'telepathy' })).status).to.equal(400);
    const missing = await fetch(`${url}/v1/papers/${encodeURIComponent('9999.99999')}`);
    expect(missing.status).to.equal(404);
    expect(await missing.json()).to.include({ error: 'PAPERD_NOT_FOUND' });
    expect((await fetch(`${url}/v1/papers/nope/related`)).status).to.equal(404);
  });

  it('serves a paper with its versions and arXiv link, its related papers, and the store stats', async () => {
    const detail = (await (await fetch(`${url}/v1/papers/2402.00002`)).json()) as { version: number; versions: { version: number }[]; links: { rel: string; href: string }[] };
    expect(detail.version).to.equal(2);
    expect(detail.versions.map((v) => v.version)).to.deep.equal([1, 2]);
    expect(detail.links).to.deep.include({ rel: 'arxiv', href: 'https://arxiv.org/abs/2402.00002v2' });
    const related = (await (await fetch(`${url}/v1/papers/2401.00001/related?limit=3`)).json()) as { hits: { id: string }[] };
    expect(related.hits).to.have.length(3);
    expect(related.hits.map((h) => h.id)).to.not.include('2401.00001');
    const stats = (await (await fetch(`${url}/v1/stats`)).json()) as { papers: number; versions: number };
    expect(stats).to.include({ papers: corpus.length, versions: corpus.length + 1 });
  });
});
