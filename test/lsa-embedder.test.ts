import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EmbeddedModelStore } from '../src/embedding/embedded-model-store.js';
import { cosineSimilarity } from '../src/embedding/embedder.js';
import { fitLsa, LsaEmbedder, shouldRefit, tokenize } from '../src/embedding/lsa/index.js';
import { porterStem } from '../src/embedding/lsa/porter-stemmer.js';
import { SeededRandom } from '../src/embedding/lsa/seeded-random.js';
import { BadInputError, EmbeddedModelCorruptError, EmbedderFitError, NotFoundError } from '../src/errors.js';

// Three topics whose words never overlap. Within a topic every document draws a few words at
// random, so "car" and "automobile" meet in some documents and never in others: LSA has to link
// them through co-occurrence, as it must link a query's words to an abstract's.
const TOPICS = {
  vehicles: 'car automobile engine vehicle wheel driver highway fuel garage sedan'.split(' '),
  baking: 'recipe oven flour bake dough sugar butter kitchen pastry yeast'.split(' '),
  astronomy: 'telescope galaxy star orbit planet nebula cosmic astronomer comet supernova'.split(' '),
} as const;
type Topic = keyof typeof TOPICS;

/** A document of `words` words drawn from one topic, optionally never using some of them. */
function topicDocument(topic: Topic, random: SeededRandom, words = 6, avoid: readonly string[] = []): string {
  const vocabulary = TOPICS[topic].filter((w) => !avoid.includes(w));
  return Array.from({ length: words }, () => vocabulary[random.nextInt(vocabulary.length)]).join(' ');
}

/** `perTopic` documents of each topic, interleaved. */
function topicCorpus(perTopic: number, seed = 1): string[] {
  const random = new SeededRandom(seed);
  const docs: string[] = [];
  for (let i = 0; i < perTopic; i++) for (const topic of Object.keys(TOPICS) as Topic[]) docs.push(topicDocument(topic, random));
  return docs;
}

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('LSA embedder', () => {
  // Three latent dimensions for three topics: the truncation is what makes LSA generalise.
  let embedder: LsaEmbedder;
  before(async () => {
    embedder = await fitLsa(topicCorpus(40), { dimensions: 3, seed: 7 });
  });

  it('finds documents that never use the query word through words it co-occurs with ("car" finds "automobile")', () => {
    const car = embedder.embedOne('car');
    const automobileOnly = embedder.embedOne('automobile sedan engine highway');
    const baking = embedder.embedOne('oven flour dough sugar');
    expect(cosineSimilarity(car, automobileOnly)).to.be.greaterThan(0.8);
    expect(cosineSimilarity(car, baking)).to.be.lessThan(0.3);
  });

  it('maps unseen documents of one topic closer together than documents of different topics', () => {
    const random = new SeededRandom(99);
    const held = (Object.keys(TOPICS) as Topic[]).map((topic) => ({ topic, docs: Array.from({ length: 5 }, () => embedder.embedOne(topicDocument(topic, random, 4))) }));
    const same: number[] = [];
    const different: number[] = [];
    for (const a of held) {
      for (const b of held) {
        for (const x of a.docs) for (const y of b.docs) if (x !== y) (a.topic === b.topic ? same : different).push(cosineSimilarity(x, y));
      }
    }
    expect(mean(same)).to.be.greaterThan(0.8);
    expect(mean(same)).to.be.greaterThan(mean(different) + 0.6);
  });

  it('embeds to unit vectors of the configured size, even when the corpus spans fewer directions', async () => {
    const wide = await fitLsa(topicCorpus(10), { dimensions: 64 });
    const [v] = await wide.embed(['star orbit comet']);
    expect(v).to.be.instanceOf(Float32Array);
    expect(v!.length).to.equal(64);
    expect(norm(v!)).to.be.closeTo(1, 1e-5);
    expect(wide.model.singularValues.slice(30).every((s) => s === 0)).to.equal(true);
  });

  it('embeds an empty, all-stopword or out-of-vocabulary text to the zero vector, never NaN', () => {
    for (const text of ['', '   ', 'the of and with which', 'zebra quokka']) {
      const v = embedder.embedOne(text);
      expect(v.every((x) => x === 0), JSON.stringify(text)).to.equal(true);
      expect(cosineSimilarity(v, embedder.embedOne('car'))).to.equal(0);
    }
  });

  it('is deterministic: the same texts and seed give the same fit id and vectors', async () => {
    const again = await fitLsa(topicCorpus(40), { dimensions: 3, seed: 7 });
    expect(again.fitId).to.equal(embedder.fitId);
    expect([...again.embedOne('galaxy nebula')]).to.deep.equal([...embedder.embedOne('galaxy nebula')]);
  });

  it('names the fit, so vectors of two fits are never compared, even at equal settings', async () => {
    const other = await fitLsa(topicCorpus(40, 2), { dimensions: 3, seed: 7 });
    expect(embedder.name).to.match(/^lsa-v1-d3-[0-9a-f]{16}$/);
    expect(embedder.name).to.include(embedder.fitId);
    expect(other.name).to.not.equal(embedder.name);
  });

  it('round-trips through serialize and deserialize to identical vectors', () => {
    const copy = LsaEmbedder.deserialize(embedder.serialize());
    expect(copy.name).to.equal(embedder.name);
    expect(copy.fittedOn).to.equal(embedder.fittedOn);
    for (const text of ['car engine', 'yeast dough', 'cosmic supernova telescope']) {
      expect([...copy.embedOne(text)]).to.deep.equal([...embedder.embedOne(text)]);
    }
  });

  it('refuses model bytes that were altered or cut short', () => {
    const bytes = embedder.serialize();
    const altered = Buffer.from(bytes);
    altered[altered.length - 5]! ^= 0xff;
    expect(() => LsaEmbedder.deserialize(altered)).to.throw(EmbeddedModelCorruptError, /hash/);
    expect(() => LsaEmbedder.deserialize(bytes.subarray(0, 20))).to.throw(EmbeddedModelCorruptError);
    expect(() => LsaEmbedder.deserialize(Buffer.from('{"not":"a model"}'))).to.throw(EmbeddedModelCorruptError);
  });

  it('fits on a uniform sample of maxDocs documents, from an async source, and remembers the corpus size', async () => {
    async function* stream() {
      yield* topicCorpus(50);
    }
    const sampled = await fitLsa(stream(), { dimensions: 3, maxDocs: 60 });
    expect(sampled.fittedOn).to.equal(150);
    expect(sampled.sampledOn).to.equal(60);
    expect(cosineSimilarity(sampled.embedOne('car'), sampled.embedOne('automobile engine'))).to.be.greaterThan(0.8);
  });

  it('fails with EmbedderFitError on a corpus without terms, or without one in minDocumentFrequency documents', async () => {
    const failure = await fitLsa(['', 'the and of'], {}).catch((e: unknown) => e);
    expect(failure).to.be.instanceOf(EmbedderFitError);
    expect((failure as EmbedderFitError).code).to.equal('PAPERD_EMBEDDER_FIT_FAILED');
    const rare = await fitLsa(['unique words here', 'other text'], { minDocumentFrequency: 2 }).catch((e: unknown) => e);
    expect(rare).to.be.instanceOf(EmbedderFitError);
  });
});

describe('LSA tokenizer', () => {
  it('stems as Porter\'s reference implementation does', () => {
    const expected: Record<string, string> = {
      caresses: 'caress', ponies: 'poni', cats: 'cat', agreed: 'agre', plastered: 'plaster', motoring: 'motor',
      hopping: 'hop', falling: 'fall', filing: 'file', happy: 'happi', relational: 'relat', conditional: 'condit',
      generalization: 'gener', electrical: 'electr', adjustment: 'adjust', hopefulness: 'hope', probate: 'probat',
      controll: 'control', roll: 'roll', networks: 'network', learning: 'learn', embeddings: 'embed', is: 'is',
    };
    for (const [word, stem] of Object.entries(expected)) expect(porterStem(word), word).to.equal(stem);
  });

  it('folds case and diacritics, splits on punctuation, drops stopwords and single characters', () => {
    expect(tokenize('The Naïve-Bayes classifiers of São Paulo, a 2nd look')).to.deep.equal(['naiv', 'bay', 'classifi', 'sao', 'paulo', '2nd', 'look']);
  });
});

describe('shouldRefit', () => {
  it('waits for a usable corpus, then refits tiny fits and every 25 % of growth, never on shrinking', () => {
    expect(shouldRefit(0, 150)).to.equal(false);
    expect(shouldRefit(0, 200)).to.equal(true);
    expect(shouldRefit(120, 210)).to.equal(true);
    expect(shouldRefit(1000, 1249)).to.equal(false);
    expect(shouldRefit(1000, 1250)).to.equal(true);
    expect(shouldRefit(1000, 400)).to.equal(false);
    expect(shouldRefit(1000, 1100, { growth: 0.1 })).to.equal(true);
    expect(shouldRefit(0, 50, { minDocuments: 50 })).to.equal(true);
  });
});

describe('embedded model store', () => {
  let dataDir: string;
  let store: EmbeddedModelStore;
  let model: LsaEmbedder;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'paperd-models-'));
    store = new EmbeddedModelStore(dataDir);
    model = await fitLsa(topicCorpus(10), { dimensions: 3 });
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('has no active model until one is saved and activated, then loads it back identical', async () => {
    expect(await store.loadActive()).to.equal(undefined);
    const file = await store.save(model);
    expect(path.basename(file)).to.equal(`lsa-${model.fitId}.bin`);
    expect(await store.loadActive()).to.equal(undefined);
    await store.activate(model.fitId);
    const loaded = await store.loadActive();
    expect(loaded?.name).to.equal(model.name);
    expect([...loaded!.embedOne('oven butter')]).to.deep.equal([...model.embedOne('oven butter')]);
  });

  it('keeps the previous fit active until the new one is activated, and will not remove the active one', async () => {
    const next = await fitLsa(topicCorpus(20), { dimensions: 3 });
    await store.save(model);
    await store.activate(model.fitId);
    await store.save(next);
    expect(await store.activeFitId()).to.equal(model.fitId);
    expect(await store.list()).to.have.members([model.fitId, next.fitId]);
    await store.activate(next.fitId);
    await expectRejection(store.remove(next.fitId), BadInputError);
    await store.remove(model.fitId);
    expect(await store.list()).to.deep.equal([next.fitId]);
  });

  it('reports a missing fit as NotFoundError, a damaged file as EmbeddedModelCorruptError, and refuses ids that are not fit ids', async () => {
    await expectRejection(store.activate(model.fitId), NotFoundError);
    await expectRejection(store.load('0123456789abcdef'), NotFoundError);
    const file = await store.save(model);
    const bytes = await readFile(file);
    bytes[bytes.length - 1]! ^= 1;
    await writeFile(file, bytes);
    await expectRejection(store.load(model.fitId), EmbeddedModelCorruptError);
    await expectRejection(store.load('../../etc/passwd'), BadInputError);
  });
});

async function expectRejection(promise: Promise<unknown>, type: new (...args: never[]) => Error): Promise<void> {
  const outcome = await promise.then(() => undefined, (e: unknown) => e);
  expect(outcome).to.be.instanceOf(type);
}
