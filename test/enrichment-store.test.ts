import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { expect } from 'chai';
import { fallbackProvenance, llmProvenance, type EnrichmentResult } from '../src/enrichment/index.js';
import { BadInputError, NotFoundError } from '../src/errors.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { EnrichmentStore } from '../src/storage/sqlite/enrichments.js';
import { migrations } from '../src/storage/sqlite/migrations.js';
import { PaperStore } from '../src/storage/sqlite/papers.js';

function paper(id: string, version = 1): PaperRecord {
  return { id, version, title: `Paper ${id}`, abstract: 'We study things.', authors: [], categories: ['cs.LG'], source: 'arxiv-api' };
}

function result(tldr = 'We study things.'): EnrichmentResult {
  return {
    tldr,
    tags: ['machine learning'],
    entities: { models: ['BERT'], datasets: ['GLUE'], tasks: [], methods: [], codeUrls: ['https://github.com/acme/x'], huggingFaceIds: [], arxivIds: [] },
  };
}

const llm = llmProvenance('Qwen/Qwen2.5-7B-Instruct', 'http://vllm-1:8000/v1');

describe('enrichment store', () => {
  let dir: string;
  let db: Database;
  let clock: ManualClock;
  let papers: PaperStore;
  let store: EnrichmentStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-'));
    db = openDatabase(path.join(dir, 'paperd.sqlite'));
    clock = new ManualClock(1_700_000_000_000);
    papers = new PaperStore(db, clock);
    store = new EnrichmentStore(db, clock);
    papers.upsertMany([paper('2401.00001'), paper('2401.00002'), paper('2401.00003')]);
  });

  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is created by a migration of its own, after the papers table, applied once', () => {
    const own = migrations.filter((m) => m.name === 'paper_enrichments');
    expect(own).to.have.length(1);
    expect(own[0]!.version).to.be.greaterThan(migrations.find((m) => m.name === 'papers')!.version);
    expect(new Set(migrations.map((m) => m.version)).size).to.equal(migrations.length);
    expect(db.prepare('SELECT name FROM schema_migrations WHERE version = ?').get(own[0]!.version)).to.deep.equal({ name: 'paper_enrichments' });
  });

  it('stores a result with its provenance and version, and reads it back', () => {
    expect(store.upsert('2401.00001', 1, result(), llm)).to.equal('inserted');
    expect(store.get('2401.00001')).to.deep.equal({
      paperId: '2401.00001',
      version: 1,
      result: result(),
      provenance: { producer: 'llm', model: 'Qwen/Qwen2.5-7B-Instruct', endpoint: 'http://vllm-1:8000/v1' },
      createdAt: clock.now(),
      updatedAt: clock.now(),
    });
    expect(store.get('2401.00002')).to.equal(undefined);
  });

  it('writes nothing for the same result again, whatever the key order', () => {
    store.upsert('2401.00001', 1, result(), llm);
    clock.advance(1000);
    const { entities, tags, tldr } = result();
    expect(store.upsert('2401.00001', 1, { entities, tags, tldr }, llm)).to.equal('unchanged');
    expect(store.get('2401.00001')!.updatedAt).to.equal(clock.now() - 1000);
  });

  it('replaces a result with a newer one, keeping when the paper was first enriched', () => {
    store.upsert('2401.00001', 1, result(), fallbackProvenance);
    const created = clock.now();
    clock.advance(1000);
    expect(store.upsert('2401.00001', 1, result('A better summary.'), llm)).to.equal('updated');
    expect(store.get('2401.00001')).to.deep.include({ createdAt: created, updatedAt: clock.now(), provenance: llm });
    expect(store.get('2401.00001')!.result.tldr).to.equal('A better summary.');
  });

  it('keeps an enrichment of a newer version over one of an older version arriving late', () => {
    papers.upsertVersion(paper('2401.00001', 2));
    store.upsert('2401.00001', 2, result('Version two.'), llm);
    expect(store.upsert('2401.00001', 1, result('Version one.'), llm)).to.equal('stale');
    expect(store.get('2401.00001')).to.deep.include({ version: 2 });
    expect(store.get('2401.00001')!.result.tldr).to.equal('Version two.');
  });

  it('never lets a fallback result replace an LLM result of the same version, but does for a newer version', () => {
    store.upsert('2401.00001', 1, result('From the LLM.'), llm);
    expect(store.upsert('2401.00001', 1, result('From the fallback.'), fallbackProvenance)).to.equal('downgrade');
    expect(store.get('2401.00001')!.provenance.producer).to.equal('llm');
    expect(store.upsert('2401.00001', 2, result('Fallback of v2.'), fallbackProvenance)).to.equal('updated');
    expect(store.get('2401.00001')!.provenance).to.deep.equal(fallbackProvenance);
  });

  it('lists fallback results for redoing, least recently written first, up to the limit', () => {
    store.upsert('2401.00002', 1, result(), fallbackProvenance);
    clock.advance(10);
    store.upsert('2401.00001', 1, result(), fallbackProvenance);
    clock.advance(10);
    store.upsert('2401.00003', 1, result(), llm);
    expect(store.listNeedingRedo(10).map((r) => r.paperId)).to.deep.equal(['2401.00002', '2401.00001']);
    expect(store.listNeedingRedo(1)).to.deep.equal([{ paperId: '2401.00002', version: 1, updatedAt: 1_700_000_000_000 }]);

    // Redone by an LLM: off the list.
    store.upsert('2401.00002', 1, result(), llm);
    expect(store.listNeedingRedo(10).map((r) => r.paperId)).to.deep.equal(['2401.00001']);
    expect(() => store.listNeedingRedo(0)).to.throw(BadInputError);
  });

  it('counts results by producer', () => {
    expect(store.countByProducer()).to.deep.equal({ llm: 0, fallback: 0 });
    store.upsert('2401.00001', 1, result(), llm);
    store.upsert('2401.00002', 1, result(), fallbackProvenance);
    store.upsert('2401.00003', 1, result(), fallbackProvenance);
    expect(store.countByProducer()).to.deep.equal({ llm: 1, fallback: 2 });
  });

  it('refuses a result that does not validate, and writes nothing', () => {
    const bad = [
      { ...result(), tldr: '' },
      { ...result(), tags: ['Not Lowercase'] },
      { ...result(), entities: { ...result().entities, codeUrls: ['javascript:alert(1)'] } },
      { ...result(), extra: true },
      { tldr: 'x', tags: [] },
    ];
    for (const value of bad) expect(() => store.upsert('2401.00001', 1, value as EnrichmentResult, llm)).to.throw(BadInputError, /schema/);
    expect(store.get('2401.00001')).to.equal(undefined);
  });

  it('refuses an invalid provenance or version', () => {
    expect(() => store.upsert('2401.00001', 1, result(), { producer: 'oracle' } as never)).to.throw(BadInputError, /provenance/);
    expect(() => store.upsert('2401.00001', 0, result(), llm)).to.throw(BadInputError, /version/);
    expect(() => store.upsert('2401.00001', 1.5, result(), llm)).to.throw(BadInputError, /version/);
  });

  it('refuses an enrichment for a paper that does not exist', () => {
    expect(() => store.upsert('9999.99999', 1, result(), llm)).to.throw(NotFoundError);
  });

  it('goes with its paper when the paper is deleted', () => {
    store.upsert('2401.00001', 1, result(), fallbackProvenance);
    papers.delete('2401.00001');
    expect(store.get('2401.00001')).to.equal(undefined);
    expect(store.listNeedingRedo(10)).to.deep.equal([]);
  });

  it('survives reopening the database file', () => {
    store.upsert('2401.00001', 1, result(), llm);
    db.close();
    db = openDatabase(path.join(dir, 'paperd.sqlite'));
    expect(new EnrichmentStore(db, clock).get('2401.00001')!.result).to.deep.equal(result());
  });
});
