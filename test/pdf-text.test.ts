import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { chunkText } from '../src/extractor/chunks.js';
import { extractPdfText } from '../src/extractor/pdf-text.js';
import { requireShared, sharedPath } from './support/shared.js';

describe('extractor: PDF text and chunks', () => {
  it('reads the text layer of a real arXiv PDF, page by page', async function () {
    requireShared(this);
    const pdf = await extractPdfText(readFileSync(sharedPath('fixtures', 'pdf', '1111.2011v2.pdf')));
    expect(pdf.pages).to.equal(8);
    expect(pdf.pageTexts).to.have.length(8);
    expect(pdf.hasTextLayer).to.equal(true);
    expect(pdf.pageTexts[0]).to.match(/^Quantum Criticality for Extended Nodes on a Bethe Lattice/);
    expect(pdf.text).to.contain('Johns Hopkins University');
  });

  it('says a buffer that is not a PDF is bad input', async () => {
    const error = await extractPdfText(new TextEncoder().encode('<html>not a pdf</html>')).then(() => undefined, (e: unknown) => e);
    expect(error).to.have.property('code', 'PAPERD_BAD_INPUT');
  });

  it('chunks at sentence ends near the target size with overlap, losing no text', () => {
    const sentences = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} talks about transformers and attention.`);
    const chunks = chunkText(sentences.join(' '), { targetChars: 600, overlapChars: 100 });
    expect(chunks.length).to.be.within(4, 8);
    for (const c of chunks.slice(0, -1)) {
      expect(c.text.length).to.be.within(300, 600);
      expect(c.text).to.match(/\.$/);
    }
    for (const s of sentences) expect(chunks.some((c) => c.text.includes(s)), s).to.equal(true);
    for (let i = 1; i < chunks.length; i++) {
      const tail = chunks[i - 1]!.text.slice(-40);
      expect(chunks[i]!.text.includes(tail.slice(tail.indexOf(' ') + 1)), `chunk ${i} repeats the end of chunk ${i - 1}`).to.equal(true);
    }
  });

  it('joins words hyphenated across line breaks', () => {
    const [chunk] = chunkText('a learned repre-\nsentation of text');
    expect(chunk!.text).to.equal('a learned representation of text');
  });
});
