import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { InvalidSearchOptionsError } from '../src/errors.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { NO_SEARCHABLE_WORDS } from '../src/search/fts-query.js';
import { searchLexical } from '../src/search/lexical.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { PaperStore } from '../src/storage/sqlite/papers.js';

let serial = 0;

/** A paper about nothing in particular unless told: filler words no test searches for. */
function paper(overrides: Partial<PaperRecord> = {}): PaperRecord {
  serial++;
  return {
    id: `2401.${String(serial).padStart(5, '0')}`,
    version: 1,
    title: `Filler study number ${serial}`,
    abstract: 'We report filler observations about filler things in a filler setting.',
    authors: [{ name: 'Ada Lovelace', affiliations: [] }],
    categories: ['cs.LG'],
    primaryCategory: 'cs.LG',
    published: '2024-03-10T12:00:00Z',
    updated: '2024-03-10T12:00:00Z',
    source: 'arxiv-api',
    ...overrides,
  };
}

/** Two hundred queries meant to break a query parser or what is behind it. */
function hostileQueries(): string[] {
  const base = [
    'NEAR(a b)', 'NEAR(sparse attention, 2)', 'NEAR/3 x', 'title:foo', 'title:', '{title abstract}: x', 'body:*', '"unbalanced',
    'a AND OR', 'AND', 'OR OR OR', 'NOT', 'NOT NOT', '*', '**', 'foo*', '^x', '^', '(((', ')))', '()', '-', '--', '-foo', '+foo', ':', '::',
    '"', '""', '""""', '" "', '"a" "b" "c"', "'; DROP TABLE papers; --", "' OR 1=1 --", '"; DELETE FROM papers; --',
    "'); DROP TABLE papers_fts; --", 'papers_fts MATCH *', "x'00'", 'rowid:1', 'rank:', 'papers_fts:x', '@match', ':match', '?', '?1', '$1',
    '%', '_', '\\', '`', '\u0000', 'attention\u0000attention', '\u0001\u0002\u001b[31m', '\r\n\t', '\u0085\u2028\u2029', '\ufeff',
    '🚀 transformers 🤖', '👨‍👩‍👧‍👦', 'المحولات والانتباه', '\u202eevil\u202c', 'עברית', '注意力机制', 'がっこう', '한국어 텍스트',
    '\ud800', '\udfffattention', '\ud800\ud800', 'x\udbff', '\u0301\u0301', 'ａｔｔｅｎｔｉｏｎ', '𝐚𝐭𝐭𝐞𝐧𝐭𝐢𝐨𝐧', 'the of and', 'to be or not to be',
    'col:val:val', 'a^b', 'transformer OR', 'OR transformer', 'x NOT', '"NEAR"', '"AND"', 'NULL', 'undefined', '<script>alert(1)</script>',
    '&amp;', '\x7f', '-0', '1e308', 'NaN', "O'Reilly", '"sparse attention"', '"sparse" AND "attention"',
  ];
  const huge = ['a'.repeat(100_000), 'attention '.repeat(10_000), '"'.repeat(100_001), '('.repeat(50_000), 'NEAR('.repeat(20_000), '\u0000'.repeat(100_000)];
  const queries = [...base, ...huge, ...base.map((q) => `sparse ${q} attention`)];
  let s = 7;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const alphabet = ' "():*^-+{}\'\u0000\ud800\udc00éß漢🚀abcANDORNEAR';
  while (queries.length < 200) queries.push(Array.from({ length: 1 + (next() % 40) }, () => alphabet[next() % alphabet.length]).join(''));
  return queries.slice(0, 200);
}

describe('lexical search', () => {
  let dir: string;
  let db: Database;
  let store: PaperStore;
  const ids = (query: string, options: Parameters<typeof searchLexical>[2] = {}) => searchLexical(db, query, options).hits.map((h) => h.id);
  const setHasCode = (id: string) => db.prepare('UPDATE papers SET has_code = 1 WHERE id = ?').run(id);

  beforeEach(() => {
    serial = 0;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-search-'));
    db = openDatabase(path.join(dir, 'paperd.sqlite'));
    store = new PaperStore(db);
  });

  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('survives 200 hostile queries: no throw, hits or a reason, and the papers table intact', () => {
    const sparse = paper({ title: 'Sparse attention for long documents' });
    store.upsertMany([sparse, paper(), paper()]);
    const queries = hostileQueries();
    expect(queries).to.have.length(200);
    for (const query of queries) {
      const result = searchLexical(db, query, { limit: 5 });
      expect(result.hits, query.slice(0, 40)).to.be.an('array');
      if (result.hits.length === 0 && result.reason === undefined) expect(result.total).to.equal(0);
      if (result.reason !== undefined) expect(result.hits).to.deep.equal([]);
    }
    expect(store.count()).to.equal(3);
    expect(db.prepare('PRAGMA integrity_check').pluck().get()).to.equal('ok');
    db.prepare(`INSERT INTO papers_fts (papers_fts, rank) VALUES ('integrity-check', 1)`).run();
    expect(ids('sparse attention')).to.deep.equal([sparse.id]);
  });

  it('still finds the paper when real words come wrapped in FTS5 syntax or SQL', () => {
    const sparse = paper({ title: 'Sparse attention for long documents' });
    store.upsertMany([sparse, paper()]);
    for (const query of ['NEAR(sparse attention)', 'title:sparse', '"sparse', "sparse'; DROP TABLE papers; --", '(((sparse*', '^attention AND OR']) {
      expect(ids(query), query).to.deep.equal([sparse.id]);
    }
  });

  it('answers a query with nothing to search with no hits and a reason', () => {
    store.upsertMany([paper()]);
    expect(searchLexical(db, '  *** () ')).to.deep.equal({ hits: [], total: 0, capped: false, facets: { categories: [], years: [] }, reason: NO_SEARCHABLE_WORDS });
  });

  it('matches stemmed forms, and papers with any of the words (OR), those with more words first', () => {
    const both = paper({ title: 'Graph networks for molecules' });
    const one = paper({ title: 'Networks of roads' });
    store.upsertMany([one, both, paper()]);
    expect(ids('network')).to.have.members([both.id, one.id]);
    expect(ids('graphs networking zzzunknown')).to.deep.equal([both.id, one.id]);
  });

  it('ranks a title match above an abstract-only match', () => {
    const inAbstract = paper({ title: 'Notes on sampling', abstract: 'We study diffusion in porous filler media and filler things.' });
    const inTitle = paper({ title: 'Diffusion in porous media', abstract: 'We study sampling in filler settings and filler things.' });
    store.upsertMany([inAbstract, inTitle]);
    expect(ids('diffusion')).to.deep.equal([inTitle.id, inAbstract.id]);
    // The column weights decide it: with the title weighed at nothing, the order flips.
    expect(ids('diffusion', { weights: { title: 0, abstract: 1, body: 1 } })).to.deep.equal([inAbstract.id, inTitle.id]);
  });

  it('finds an updated paper once, by its new title and not by its old one', () => {
    const v1 = paper({ title: 'Quantum annealing schedules', abstract: 'Filler text.' });
    store.upsertMany([v1]);
    store.upsertMany([{ ...v1, version: 2, title: 'Photonic lattice solvers', updated: '2024-04-01T00:00:00Z' }]);
    expect(ids('photonic lattice')).to.deep.equal([v1.id]);
    expect(searchLexical(db, 'quantum annealing')).to.include({ total: 0 });
  });

  describe('filters', () => {
    it('by category: primary or cross-listed', () => {
      const lg = paper({ title: 'Robust training', categories: ['cs.LG'], primaryCategory: 'cs.LG' });
      const cross = paper({ title: 'Robust parsing', categories: ['cs.CL', 'cs.LG'], primaryCategory: 'cs.CL' });
      const cv = paper({ title: 'Robust vision', categories: ['cs.CV'], primaryCategory: 'cs.CV' });
      store.upsertMany([lg, cross, cv]);
      expect(ids('robust', { filters: { categories: ['cs.LG'] } })).to.have.members([lg.id, cross.id]);
      expect(ids('robust', { filters: { categories: ['cs.CV', 'cs.CL'] } })).to.have.members([cross.id, cv.id]);
      expect(ids('robust', { filters: { categories: [] } })).to.have.length(3);
    });

    it('by date: from and until are whole days, both included', () => {
      const jan31 = paper({ title: 'Kernel methods', published: '2024-01-31T23:59:59Z' });
      const feb1 = paper({ title: 'Kernel tricks', published: '2024-02-01T00:00:00Z' });
      const mar = paper({ title: 'Kernel density', published: '2024-03-15T08:00:00Z' });
      const undated = paper({ title: 'Kernel undated' });
      delete (undated as { published?: string }).published;
      store.upsertMany([jan31, feb1, mar, undated]);
      expect(ids('kernel', { filters: { until: '2024-01-31' } })).to.deep.equal([jan31.id]);
      expect(ids('kernel', { filters: { from: '2024-02-01' } })).to.have.members([feb1.id, mar.id]);
      expect(ids('kernel', { filters: { from: '2024-01-31', until: '2024-02-01' } })).to.have.members([jan31.id, feb1.id]);
    });

    it('by source and by whether there is code', () => {
      const api = paper({ title: 'Bandit regret', source: 'arxiv-api' });
      const oai = paper({ title: 'Bandit feedback', source: 'oai-pmh' });
      store.upsertMany([api, oai]);
      setHasCode(oai.id);
      expect(ids('bandit', { filters: { source: ['oai-pmh'] } })).to.deep.equal([oai.id]);
      expect(ids('bandit', { filters: { hasCode: true } })).to.deep.equal([oai.id]);
      expect(ids('bandit', { filters: { hasCode: false } })).to.deep.equal([api.id]);
      expect(ids('bandit', { filters: { source: ['arxiv-api'], hasCode: true } })).to.deep.equal([]);
    });

    it('rejects a date that is not a YYYY-MM-DD day', () => {
      for (const bad of ['2024-02-30', '2024-1-01', 'yesterday', "2024-01-01' OR 1=1"]) {
        expect(() => searchLexical(db, 'x', { filters: { from: bad } }), bad).to.throw(InvalidSearchOptionsError);
      }
    });

    it('widens past the candidate bound when too few candidates pass the filters', () => {
      const strong = Array.from({ length: 8 }, () => paper({ title: 'Pruning pruning pruning', categories: ['cs.LG'] }));
      const weak = paper({ title: 'Notes', abstract: 'A long filler abstract that mentions pruning once among many filler words here.', categories: ['cs.RO'], primaryCategory: 'cs.RO' });
      store.upsertMany([...strong, weak]);
      // 2 candidates, then 8 (all cs.LG), then 32: the cs.RO paper ranks last.
      const result = searchLexical(db, 'pruning', { candidates: 2, limit: 1, filters: { categories: ['cs.RO'] } });
      expect(result.hits.map((h) => h.id)).to.deep.equal([weak.id]);
      expect(result).to.include({ total: 1, capped: false });
    });
  });

  it('pages through results in a stable order without overlap or gaps', () => {
    store.upsertMany(Array.from({ length: 23 }, (_, i) => paper({ title: `Contrastive learning ${'contrastive '.repeat(i % 4)}variant ${i}` })));
    const all = ids('contrastive', { limit: 100 });
    expect(all).to.have.length(23);
    const pages: string[] = [];
    for (let offset = 0; offset < 23; offset += 5) {
      const result = searchLexical(db, 'contrastive', { offset, limit: 5 });
      expect(result.total).to.equal(23);
      expect(result.hits.map((h) => h.rank)).to.deep.equal(result.hits.map((_, i) => offset + i + 1));
      pages.push(...result.hits.map((h) => h.id));
    }
    expect(pages).to.deep.equal(all);
    expect(ids('contrastive', { limit: 100 })).to.deep.equal(all);
  });

  it('says when the candidate bound cut the matches short', () => {
    store.upsertMany(Array.from({ length: 6 }, () => paper({ title: 'Federated averaging' })));
    expect(searchLexical(db, 'federated', { candidates: 4, limit: 2 })).to.include({ total: 4, capped: true });
    expect(searchLexical(db, 'federated', { candidates: 6, limit: 2 })).to.include({ total: 6, capped: false });
    expect(searchLexical(db, 'federated', { limit: 2 })).to.include({ total: 6, capped: false });
  });

  it('rejects a limit or offset that is not a count', () => {
    for (const options of [{ limit: -1 }, { limit: 1.5 }, { limit: 1e9 }, { offset: -3 }, { candidates: 0 }]) {
      expect(() => searchLexical(db, 'x', options), JSON.stringify(options)).to.throw(InvalidSearchOptionsError);
    }
  });

  describe('snippets', () => {
    it('mark the matched word, found through its stem', () => {
      const p = paper({ title: 'Filler', abstract: 'A graph neural network for molecules and other filler.' });
      store.upsertMany([p]);
      const [hit] = searchLexical(db, 'networks').hits;
      expect(hit!.snippet).to.include('<mark>network</mark>');
    });

    it('escape HTML from the stored text, stored <mark> tags included', () => {
      const p = paper({ title: 'Filler', abstract: 'Beware <script>alert("x")</script> & <mark>fake</mark> calibration tricks.' });
      store.upsertMany([p]);
      const snippet = searchLexical(db, 'calibration').hits[0]!.snippet!;
      expect(snippet).to.include('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;mark&gt;fake&lt;/mark&gt;');
      expect(snippet).to.include('<mark>calibration</mark>');
      expect(snippet.replaceAll('<mark>', '').replaceAll('</mark>', '')).not.to.match(/[<>"]/);
    });

    it('each come from their own paper when several match', () => {
      store.upsertMany([
        paper({ id: '2401.00101', title: 'Alpha', abstract: 'The first study of gradient noise in alpha settings.' }),
        paper({ id: '2401.00102', title: 'Beta', abstract: 'A second look at gradient noise under beta conditions.' }),
        paper({ id: '2401.00103', title: 'Gamma', abstract: 'Gradient noise again, now for gamma rays.' }),
      ]);
      const hits = searchLexical(db, 'gradient noise').hits;
      expect(hits).to.have.length(3);
      for (const hit of hits) expect(hit.snippet, hit.id).to.contain(hit.title.toLowerCase());
    });

    it('are left out when not asked for', () => {
      store.upsertMany([paper({ title: 'Calibration' })]);
      expect(searchLexical(db, 'calibration', { snippets: false }).hits[0]).not.to.have.property('snippet');
    });
  });

  it('counts facets over every filtered match, not only the page', () => {
    store.upsertMany([
      paper({ title: 'Transformers a', categories: ['cs.CL', 'cs.LG'], primaryCategory: 'cs.CL', published: '2023-05-01T00:00:00Z' }),
      paper({ title: 'Transformers b', categories: ['cs.CL'], primaryCategory: 'cs.CL', published: '2024-05-01T00:00:00Z' }),
      paper({ title: 'Transformers c', categories: ['cs.CV'], primaryCategory: 'cs.CV', published: '2024-06-01T00:00:00Z' }),
      paper({ title: 'Unrelated', categories: ['cs.CL'], primaryCategory: 'cs.CL', published: '2022-01-01T00:00:00Z' }),
    ]);
    const result = searchLexical(db, 'transformers', { limit: 1 });
    expect(result.facets.categories).to.deep.equal([
      { value: 'cs.CL', count: 2 },
      { value: 'cs.CV', count: 1 },
      { value: 'cs.LG', count: 1 },
    ]);
    expect(result.facets.years).to.deep.equal([
      { value: '2024', count: 2 },
      { value: '2023', count: 1 },
    ]);
    const filtered = searchLexical(db, 'transformers', { filters: { from: '2024-01-01' } });
    expect(filtered.facets.categories).to.deep.equal([
      { value: 'cs.CL', count: 1 },
      { value: 'cs.CV', count: 1 },
    ]);
  });
  describe('words in too many papers to score every match', () => {
    const bounds = { broadWordMatches: 20, broadQueryWindow: 10 };
    // 60 papers say "network"; 3 of them, and one other, say "sparsity".
    const corpus = () => {
      const papers = Array.from({ length: 60 }, (_, i) => paper({ title: `A network study ${i}`, abstract: i % 20 === 5 ? 'Network sparsity matters.' : 'We train a network.' }));
      papers.push(paper({ title: 'Sparsity alone', abstract: 'Sparsity only.' }));
      store.upsertMany(papers);
      return papers;
    };

    it('leaves broad words out when the query has telling ones, and still finds every paper with those', () => {
      const papers = corpus();
      const result = searchLexical(db, 'network sparsity', { limit: 50, broadWords: bounds });
      expect(result.narrowed).to.match(/network/);
      const withSparsity = papers.filter((p) => /sparsity/i.test(`${p.title} ${p.abstract}`)).map((p) => p.id);
      expect(result.hits.map((h) => h.id)).to.have.members(withSparsity);
      // Snippets still highlight every word the user typed.
      expect(result.hits.find((h) => h.id === withSparsity[0])!.snippet).to.match(/<mark>network<\/mark>/i);
    });

    it('ranks only the newest matches of a query made of broad words alone, and says so', () => {
      const papers = corpus();
      const result = searchLexical(db, 'network', { limit: 50, broadWords: bounds });
      expect(result.narrowed).to.match(/newest 10/);
      const newest = papers.slice(50, 60).map((p) => p.id);
      expect(result.hits.map((h) => h.id)).to.have.members(newest);
      expect(result.capped).to.equal(true);
    });

    it('searches exactly, all matches ranked, while no word is broad', () => {
      const papers = corpus();
      const result = searchLexical(db, 'network', { limit: 100, broadWords: { broadWordMatches: 1000, broadQueryWindow: 500 } });
      expect(result.narrowed).to.equal(undefined);
      expect(result.hits).to.have.length(papers.length - 1);
    });
  });
});
