import type { PaperRecord } from '../../src/protocols/paper.js';
import { rng } from './papers.js';

/**
 * A corpus whose words follow Zipf's law, as real text does, so that a million papers hold words
 * of every document frequency: a few in most papers, thousands in a handful. Papers are mixtures
 * of topics (clusters of co-occurring words), so a model that learns from co-occurrence (LSA) and
 * an index that clusters vectors (IVF) meet the kind of structure real abstracts have.
 */
export interface ZipfCorpusOptions {
  readonly seed?: number;
  /** Distinct content words. */
  readonly vocabulary?: number;
  readonly topics?: number;
}

// Function words in the proportion of real abstracts (about a third of the words).
const glue = 'the of and a to in we is for that on with this by are as an our from be which can'.split(' ');
const onsets = ['b', 'c', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'cr', 'dr', 'gr', 'pr', 'st', 'tr', 'ch', 'sh', 'th'];
const vowels = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'io', 'ou'];
const codas = ['', '', 'n', 'r', 's', 'l', 'x', 'm', 'nt', 'st'];
const categories = ['cs.LG', 'cs.CL', 'cs.CV', 'cs.AI', 'stat.ML', 'cs.IR', 'cs.RO', 'math.OC', 'cs.NE', 'eess.IV'];

/** Distinct made-up words of two to four syllables, in a fixed order for a seed. */
function makeVocabulary(size: number, random: () => number): string[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const seen = new Set<string>(glue);
  const words: string[] = [];
  while (words.length < size) {
    const syllables = 2 + Math.floor(random() * 3);
    let word = '';
    for (let s = 0; s < syllables; s++) word += pick(onsets) + pick(vowels);
    word += pick(codas);
    if (!seen.has(word)) {
      seen.add(word);
      words.push(word);
    }
  }
  return words;
}

/** A sampler of ranks 0..n-1 with P(rank r) ∝ 1/(r+1)^s. */
function zipfSampler(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) cdf[r] = total += 1 / Math.pow(r + 1, s);
  return () => {
    const u = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** `count` papers shaped like arXiv's (titles of 6–14 words, abstracts of 120–250), deterministic for a seed. */
export function* zipfPapers(count: number, options: ZipfCorpusOptions = {}): Generator<PaperRecord> {
  const random = rng(options.seed ?? 7);
  const vocabulary = makeVocabulary(options.vocabulary ?? 60_000, random);
  const background = zipfSampler(vocabulary.length, 1.05, random);
  // Topic words come from the middle of the frequency range: specific, but not unique to a paper.
  const topics = Array.from({ length: options.topics ?? 400 }, () =>
    Array.from({ length: 40 }, () => vocabulary[200 + Math.floor(Math.pow(random(), 2) * 20_000)]!),
  );
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  for (let i = 0; i < count; i++) {
    const mine = [pick(topics), pick(topics)];
    const word = (topicShare: number) => {
      const u = random();
      if (u < 0.33) return pick(glue);
      if (u < 0.33 + topicShare) return pick(pick(mine));
      return vocabulary[background()]!;
    };
    const sentence = (n: number, topicShare: number) => Array.from({ length: n }, () => word(topicShare)).join(' ');
    const abstractWords = 120 + Math.floor(random() * 130);
    const sentences: string[] = [];
    for (let left = abstractWords; left > 0; left -= 18) sentences.push(`${sentence(Math.min(18, left), 0.27)}.`);
    const cats = Array.from(new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(categories))));
    // 10,000 papers a month from 2018 on: ids stay valid new-style arXiv ids up to 1.2M papers.
    const month = Math.floor(i / 10_000);
    const yy = String(18 + Math.floor(month / 12)).padStart(2, '0');
    const mm = String(1 + (month % 12)).padStart(2, '0');
    const date = `20${yy}-${mm}-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z`;
    yield {
      id: `${yy}${mm}.${String(i % 10_000).padStart(5, '0')}`,
      version: 1,
      title: sentence(6 + Math.floor(random() * 9), 0.5),
      abstract: sentences.join(' '),
      authors: Array.from({ length: 1 + Math.floor(random() * 6) }, (_, a) => ({ name: `Author ${Math.floor(random() * 200_000)} ${a}`, affiliations: [] })),
      categories: cats,
      primaryCategory: cats[0]!,
      published: date,
      updated: date,
      source: 'arxiv-api',
    };
  }
}
