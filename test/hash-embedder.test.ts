import { expect } from 'chai';
import { cosineSimilarity } from '../src/embedding/embedder.js';
import { HashEmbedder } from '../src/embedding/hash-embedder.js';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('hash embedder', () => {
  const embedder = new HashEmbedder();

  it('is deterministic: the same text gives the same vector, across instances', async () => {
    const text = 'Sparse attention for long-context transformers';
    const [a] = await embedder.embed([text]);
    const [b] = await new HashEmbedder().embed([text]);
    expect([...a!]).to.deep.equal([...b!]);
  });

  it('returns one L2-normalised vector of the stated size per text, in order', async () => {
    const texts = ['graph neural networks', 'protein folding with diffusion', 'a b'];
    const out = await embedder.embed(texts);
    expect(out).to.have.length(3);
    for (const v of out) {
      expect(v).to.be.instanceOf(Float32Array);
      expect(v.length).to.equal(embedder.dimensions);
      expect(norm(v)).to.be.closeTo(1, 1e-5);
    }
    expect([...out[1]!]).to.deep.equal([...embedder.embedOne(texts[1]!)]);
  });

  it('scores similar texts above unrelated ones', () => {
    const query = embedder.embedOne('Graph neural networks for molecular property prediction');
    const similar = embedder.embedOne('Predicting molecular properties with graph neural networks and message passing');
    const unrelated = embedder.embedOne('A survey of reinforcement learning for robotic manipulation in warehouses');
    expect(cosineSimilarity(query, similar)).to.be.greaterThan(0.4);
    expect(cosineSimilarity(query, similar)).to.be.greaterThan(cosineSimilarity(query, unrelated) + 0.3);
  });

  it('ignores case and diacritics, and word order matters only through bigrams', () => {
    expect([...embedder.embedOne('Réseaux de NEURONES')]).to.deep.equal([...embedder.embedOne('reseaux de neurones')]);
    const swapped = cosineSimilarity(embedder.embedOne('neural graph networks'), embedder.embedOne('graph neural networks'));
    expect(swapped).to.be.lessThan(1 - 1e-6);
    expect(swapped).to.be.greaterThan(0.5);
  });

  it('embeds a text with no words to the zero vector, not NaN', () => {
    const v = embedder.embedOne('  -- ! ');
    expect(v.every((x) => x === 0)).to.equal(true);
  });

  it('names its settings, so vectors of different settings are never mixed', () => {
    expect(new HashEmbedder({ dimensions: 64 }).name).to.not.equal(embedder.name);
    expect(new HashEmbedder({ dimensions: 64 }).dimensions).to.equal(64);
    expect(() => new HashEmbedder({ dimensions: 1 })).to.throw(RangeError);
  });
});
