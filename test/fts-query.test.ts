import { expect } from 'chai';
import { MAX_QUERY_WORDS, MAX_WORD_LENGTH, NO_SEARCHABLE_WORDS, parseUserQuery, tokenizeWords } from '../src/search/fts-query.js';

/** What every MATCH string must look like: quoted token runs joined by OR, nothing else. */
const SAFE_MATCH = /^"[\p{L}\p{N}\p{Co}]+(?: [\p{L}\p{N}\p{Co}]+)*"(?: OR "[\p{L}\p{N}\p{Co}]+(?: [\p{L}\p{N}\p{Co}]+)*")*$/u;

/** A deterministic generator of strings over awkward code points, surrogate halves included. */
function randomText(seed: number, length: number): string {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  const pools = [' "():*^-+{}\'', 'abcXYZ019', '\u0000\u0001\u001f\u007f\u200b\u202e\ufeff', '\ud800\udbff\udc00\udfff', 'éüßİ漢字한국어مرحبا🚀'];
  let out = '';
  for (let i = 0; i < length; i++) {
    const pool = pools[next() % pools.length]!;
    out += pool[next() % pool.length];
  }
  return out;
}

describe('user query parsing for FTS5', () => {
  it('splits on everything but letters and digits, lower-cases and folds Latin diacritics as unicode61 does', () => {
    expect(tokenizeWords('Café-Naïve RÉSUMÉ, x² İstanbul')).to.deep.equal(['cafe', 'naive', 'resume', 'x²', 'istanbul']);
    expect(parseUserQuery('Café naïve').terms).to.deep.equal(['cafe', 'naive']);
  });

  it('keeps other scripts as they are: a CJK run is one word, and kana keep their marks', () => {
    expect(tokenizeWords('注意力机制 がっこう 한국어')).to.deep.equal(['注意力机制', 'がっこう', '한국어']);
  });

  it('quotes every word and joins them with OR', () => {
    expect(parseUserQuery('sparse attention transformers').match).to.equal('"sparse" OR "attention" OR "transformers"');
  });

  it('keeps double-quoted phrases as phrases, stopwords inside them included', () => {
    const parsed = parseUserQuery('"state of the art" retrieval');
    expect(parsed.phrases).to.deep.equal([['state', 'of', 'the', 'art']]);
    expect(parsed.terms).to.deep.equal(['retrieval']);
    expect(parsed.match).to.equal('"state of the art" OR "retrieval"');
  });

  it('reads a quoted single word as a plain term', () => {
    expect(parseUserQuery('"diffusion" models')).to.include({ match: '"diffusion" OR "models"' });
  });

  it('treats unbalanced quotes as separators', () => {
    const parsed = parseUserQuery('"graph neural networks');
    expect(parsed.phrases).to.deep.equal([]);
    expect(parsed.terms).to.deep.equal(['graph', 'neural', 'networks']);
    expect(parseUserQuery('"message passing" "graph networks').phrases).to.deep.equal([]);
  });

  it('drops FTS5 operators and syntax: NEAR, AND/OR/NOT, parentheses, *, ^, +, -, column filters', () => {
    expect(parseUserQuery('NEAR(graph attention, 5)').terms).to.deep.equal(['graph', 'attention', '5']);
    expect(parseUserQuery('title:diffusion abstract : models {title body}: score').terms).to.deep.equal(['diffusion', 'models', 'score']);
    expect(parseUserQuery('bandit AND OR NOT regret').terms).to.deep.equal(['bandit', 'regret']);
    expect(parseUserQuery('^transformer* +sparse -dense (((').terms).to.deep.equal(['transformer', 'sparse', 'dense']);
  });

  it('keeps lower-case "near" and other operator words used as words', () => {
    expect(parseUserQuery('near infrared').terms).to.deep.equal(['near', 'infrared']);
  });

  it('drops stopwords unless the query has nothing else', () => {
    expect(parseUserQuery('the effect of dropout on a transformer').terms).to.deep.equal(['effect', 'dropout', 'transformer']);
    expect(parseUserQuery('to be or not to be').terms).to.deep.equal(['to', 'be', 'or', 'not']);
  });

  it('deduplicates words', () => {
    expect(parseUserQuery('Graph graph GRAPH').terms).to.deep.equal(['graph']);
  });

  it(`sends at most ${MAX_QUERY_WORDS} words, phrases first`, () => {
    const words = Array.from({ length: 100 }, (_, i) => `w${i}`);
    const parsed = parseUserQuery(`"alpha beta" ${words.join(' ')}`);
    expect(parsed.phrases).to.deep.equal([['alpha', 'beta']]);
    expect(parsed.terms).to.have.length(MAX_QUERY_WORDS - 2);
    expect(parsed.terms[0]).to.equal('w0');
  });

  it(`drops words longer than ${MAX_WORD_LENGTH} characters`, () => {
    const parsed = parseUserQuery(`${'x'.repeat(MAX_WORD_LENGTH + 1)} ok ${'y'.repeat(MAX_WORD_LENGTH)}`);
    expect(parsed.terms).to.deep.equal(['ok', 'y'.repeat(MAX_WORD_LENGTH)]);
  });

  it('answers an empty or punctuation-only query with no match and a reason', () => {
    for (const text of ['', '   ', '"""', '*^():-+', 'AND OR NOT', '\u0000\u0001', '🚀🤖', '\ud800']) {
      expect(parseUserQuery(text), JSON.stringify(text)).to.deep.equal({ terms: [], phrases: [], parts: [], match: undefined, reason: NO_SEARCHABLE_WORDS });
    }
  });

  it('never throws and only ever builds quoted words joined by OR, for 300 random awkward strings', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const text = randomText(seed, 1 + (seed % 80));
      const parsed = parseUserQuery(text);
      if (parsed.match === undefined) expect(parsed.reason).to.equal(NO_SEARCHABLE_WORDS);
      else expect(parsed.match, JSON.stringify(text)).to.match(SAFE_MATCH);
    }
  });

  it('reads only the head of a huge query', () => {
    // A word placed past the first MAX_QUERY_CHARS characters is never looked at.
    const parsed = parseUserQuery(`attention ${'x '.repeat(500_000)}tailword`);
    expect(parsed.terms[0]).to.equal('attention');
    expect(parsed.terms).to.not.include('tailword');
    expect(parsed.terms.length).to.be.at.most(MAX_QUERY_WORDS);
    expect(parseUserQuery(`attention ${'x '.repeat(10)}tailword`).terms).to.include('tailword');
  });
});
