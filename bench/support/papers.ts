import type { PaperRecord } from '../../src/protocols/paper.js';

// Function words as often as in real abstracts, so words average about 6 characters as arXiv's do.
const glue = 'the of and a to in we is for that on with this by are as an our from be which can'.split(' ');
const terms = `learning model neural network training data language vision transformer attention graph
reinforcement policy reward diffusion generative adversarial representation embedding retrieval
optimization gradient stochastic convex regularization sparse kernel bayesian inference variational
latent robust adversarial benchmark dataset evaluation fine-tuning pretraining contrastive supervised
unsupervised federated privacy fairness causal interpretability explanation uncertainty calibration
segmentation detection classification regression generation translation summarization reasoning
agent planning memory scaling efficient compression quantization pruning distillation hardware`.split(/\s+/);
const words = [...terms, ...glue, ...glue, ...glue];

const categories = ['cs.LG', 'cs.CL', 'cs.CV', 'cs.AI', 'stat.ML', 'cs.IR', 'cs.RO', 'math.OC'];

/** A deterministic pseudo-random generator, so every run writes the same papers. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Papers shaped like arXiv's (measured on the recorded API responses: abstracts of 180 words and
 * 1,216 characters on average, 3.8 authors): titles of 6–14 words, abstracts of 120–250 words,
 * 1–6 authors, 1–3 categories.
 */
export function* realisticPapers(count: number, seed = 42): Generator<PaperRecord> {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const sentence = (n: number) => Array.from({ length: n }, () => pick(words)).join(' ');
  for (let i = 0; i < count; i++) {
    const abstractWords = 120 + Math.floor(random() * 130);
    const sentences: string[] = [];
    for (let left = abstractWords; left > 0; left -= 18) sentences.push(`${sentence(Math.min(18, left))}.`);
    const cats = Array.from(new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(categories))));
    const month = String(1 + (i % 12)).padStart(2, '0');
    yield {
      id: `25${month}.${String(i).padStart(5, '0')}`,
      version: 1,
      title: sentence(6 + Math.floor(random() * 9)),
      abstract: sentences.join(' '),
      authors: Array.from({ length: 1 + Math.floor(random() * 6) }, (_, a) => ({ name: `Author ${Math.floor(random() * 20_000)} ${a}`, affiliations: [] })),
      categories: cats,
      primaryCategory: cats[0]!,
      published: `2025-${month}-15T00:00:00Z`,
      updated: `2025-${month}-15T00:00:00Z`,
      source: 'arxiv-api',
    };
  }
}
